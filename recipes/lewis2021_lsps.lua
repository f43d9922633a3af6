-- recipes/lewis2021_lsps.lua — seed 000's analysis (Lewis et al. 2021,
-- operando Li | Li10SnP2S12 | Li at APS 2-BM) for a real operando series.
-- Everything that differs between experiments is a parameter:
--
--   tomolith recipes/lewis2021_lsps.lua -p scans=/data/cell7 -p mpt=/data/cell7/gcpl.mpt \
--       -p times_s=0,900,1800,2700 -p current_density=1 -p out=out/cell7
--
-- `scans` is a folder (its scan_*.h5, or every *.h5, in name order) or a
-- comma-separated list of Data Exchange files. Thresholds and interface
-- bands are found from the data unless given. The analysis is the same
-- code as recipes/quickstart.lua (lua/tl/operando.lua), so on the demo
-- files it gives the quickstart's numbers.
local O = require "tl.operando"

local P = tl.params {
  scans = "datasets/demo",    -- folder or comma-separated list of Data Exchange scans
  mpt = "",                   -- BioLogic .mpt of the same cycling ("" = images only)
  out = "out/lewis2021",
  times_s = { -1 },           -- scan times in s from the start of cycling; -1 = every step_s
  step_s = 3600,              -- s between scans when times_s is not given
  current_density = 2.0,      -- mA/cm², nominal (seed 000: 1 and 4)
  electrodes = { "top", "bottom" }, -- which interfaces are in the field of view (top = low z)
  bands = { -1 },             -- z ranges {top_a, top_b, bottom_a, bottom_b} (1-based); -1 = located per scan
  li_max = "auto", sse_min = "auto", void_max = "auto", steel_min = "auto", -- thresholds (1/cm) or auto
  smooth_um = O.defaults.smooth_um, -- µm, in-plane Gaussian sigma before the column walks (0 = none)
  k_void = O.defaults.k_void, -- void_max = Li level - k_void Li spreads (when auto)
  center = "auto",            -- rotation centre, 0-based detector column, or auto
  stripes = O.defaults.stripes, -- ring removal: none sort large dead fw (seed 000: rings in ~7 % of slices)
  stripe_size = O.defaults.stripe_size, -- its median window across the detector (odd pixels); 0 = tl.reconstruct's default
  reuse = false,              -- keep existing reconstructions in `out`
  fit_window_s = { 0, 3600 }, -- first half-cycle: where i0 and κ_interphase are fitted
  interphase_um = {},         -- interphase thickness (both layers, µm) per scan or one for all; empty = measured
  interphase_level = 0,       -- 1/cm; 0 = measured where the layer is thickest (tl.interphase)
  contact_model = "",         -- trained contact classifier (tl.cnn file); "" = seed 000's per-voxel rule. The
                              -- shipped datasets/models/contact_cell.h5 is trained on the synthetic demo cell
                              -- (the quickstart uses it); for a beamline's data train one on its own scans
                              -- (docs/segmentation.md, "Contact by a trained classifier")
  kappa_electrolyte = 0.0021, -- S/cm (LSPS, seed 000)
}

-- the scan list
local scans = {}
if P.scans:find(",", 1, true) or P.scans:match("%.h5$") then
  for s in P.scans:gmatch("[^,]+") do scans[#scans + 1] = s end
else
  local p = io.popen("ls -1 '" .. P.scans .. "' 2>/dev/null")
  local names = {}
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  local any_scan = false
  for _, n in ipairs(names) do if n:match("^scan_.*%.h5$") then any_scan = true end end
  for _, n in ipairs(names) do
    if (any_scan and n:match("^scan_.*%.h5$")) or (not any_scan and n:match("%.h5$")) then
      scans[#scans + 1] = P.scans .. "/" .. n
    end
  end
end
if #scans == 0 then error("no Data Exchange scans in '" .. P.scans .. "'") end
for _, s in ipairs(scans) do if not O.exists(s) then error("scan '" .. s .. "' not found") end end

local times = {}
if P.times_s[1] == -1 then
  for i = 1, #scans do times[i] = (i - 1) * P.step_s end
else
  if #P.times_s ~= #scans then
    error(string.format("times_s has %d values but there are %d scans", #P.times_s, #scans))
  end
  times = P.times_s
end

local bands
if P.bands[1] ~= -1 then
  if #P.bands ~= 2 * #P.electrodes then error("bands needs two z values per electrode") end
  bands = {}
  for k, e in ipairs(P.electrodes) do bands[e] = { P.bands[2 * k - 1], P.bands[2 * k] } end
end

local thresholds
if P.li_max ~= "auto" then
  local th = { li_max = tonumber(P.li_max), sse_min = tonumber(P.sse_min), void_max = tonumber(P.void_max),
    steel_min = tonumber(P.steel_min) }
  for k, v in pairs(th) do if not v then error("give all four thresholds, or none: " .. k .. " is missing") end end
  thresholds = { top = th, bottom = th }
end

assert(os.execute("mkdir -p '" .. P.out .. "'"), "cannot create " .. P.out)
local results = O.analyse_series {
  scans = scans, times_s = times, out = P.out, electrodes = P.electrodes, j_nominal = P.current_density,
  smooth_um = P.smooth_um, k_void = P.k_void, center = P.center, stripes = P.stripes, reuse = P.reuse,
  stripe_size = P.stripe_size > 0 and P.stripe_size or nil,
  bands = bands, thresholds = thresholds, interphase_level = P.interphase_level > 0 and P.interphase_level or nil,
  contact_model = P.contact_model,
}

local echem
if P.mpt ~= "" then
  if #P.electrodes ~= 2 then error("the cell model needs both interfaces (electrodes = top,bottom)") end
  local inter = {}
  for i = 1, #scans do
    local r = results.scans[i]
    inter[i] = tonumber(P.interphase_um[i] or P.interphase_um[1]) or (r.top.interphase_um + r.bottom.interphase_um)
  end
  local electrolyte_um = 0
  for _, r in ipairs(results.scans) do electrolyte_um = electrolyte_um + (r.electrolyte_um or 0) / #results.scans end
  echem = O.fit_and_predict(results, tl.read_mpt(P.mpt), {
    fit_window = P.fit_window_s, interphase_time = times, interphase_thickness = inter,
    electrolyte_um = electrolyte_um, kappa_electrolyte = P.kappa_electrolyte, i0_start = 1.0,
    kappa_interphase_start = 1e-5 })
end

local figs = O.figures(results, echem, P.out)
local R = tl.report.new { dir = P.out, title = "Operando Li | LSPS | Li: contact, voids and cell voltage" }
R:text(string.format("%d scans from `%s`, %s mA/cm² nominal. Seed 000's analysis: Gridrec, column traversal " ..
  "(in-plane smoothing %.1f µm), interfacial voids, contact maps, local current density from the Li thickness change%s.",
  #scans, P.scans, P.current_density, P.smooth_um, echem and ", and the cell model fitted on the first half-cycle" or ""))
for _, f in ipairs(figs) do if f.file:find("voltage") or f.file:find("contact_maps") then R:figure(f.file, f.caption) end end
R:section("Per scan")
R:table { name = "scans", columns = O.scan_columns, rows = O.scan_rows(results),
  caption = "Contact area, regions, interfacial voids, Li volume and the thresholds used" }
if echem then
  R:section("Cell model (seed 000)")
  R:table { name = "cell_model_fit", columns = { "parameter", "value", "std_error" }, rows = O.fit_rows(echem),
    caption = string.format("Fitted on %g–%g s; residual RMS %.2f mV", P.fit_window_s[1], P.fit_window_s[2],
      1000 * echem.fit.rms) }
end
R:section("Figures")
for _, f in ipairs(figs) do if not (f.file:find("voltage") or f.file:find("contact_maps")) then R:figure(f.file, f.caption) end end
O.save(results, echem, P.out .. "/results.h5")
local report = R:write()

print(string.format("\n%d scans  ->  %s", #scans, report))
for _, r in ipairs(results.scans) do
  local parts = {}
  for _, e in ipairs(P.electrodes) do
    parts[#parts + 1] = string.format("%s contact %.4f mm² (%.1f %%), voids %.0f µm³", e, r[e].contact_mm2,
      100 * r[e].contact_fraction, r[e].void_volume_um3)
  end
  print(r.name .. ": " .. table.concat(parts, "; "))
end
if echem then
  print(string.format("cell model: i0 %.4g ± %.2g mA/cm², κ_interphase %.4g ± %.2g S/cm", echem.fit.values.i0,
    echem.fit.std_errors.i0, echem.fit.values.kappa_interphase, echem.fit.std_errors.kappa_interphase))
end
