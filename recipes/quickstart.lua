-- recipes/quickstart.lua — what `make demo` runs: seed 000's analysis of an
-- operando series, end to end, on the built-in synthetic cell, with every
-- measured number checked against the cell's ground truth.
--
--   ./tomolith recipes/quickstart.lua                       -- datasets/demo, out/quickstart
--   ./tomolith recipes/quickstart.lua -p size=small -p dataset=datasets/demo_small -p out=out/quick_small
--
-- Raw projections -> Gridrec (streamed to HDF5) -> interface bands ->
-- thresholds from the data -> Li by column traversal -> interfacial voids ->
-- contact maps and regions -> Li thickness and local current density with
-- hot spots -> the potentiostat's curve -> seed 000's cell model fitted on
-- the first half-cycle and predicting the rest -> report.md, results.h5,
-- CSV tables, PNG figures.
local O = require "tl.operando"

local P = tl.params {
  dataset = "datasets/demo",   -- scan_NN.h5, truth_NN.h5, cell.mpt, cell_model.csv
  size = "default",            -- which demo to build when the dataset is missing: default | small
  out = "out/quickstart",      -- results folder
  current_density = 2.0,       -- mA/cm², nominal (the demo's)
  step_s = 3600,               -- s between scans (one galvanostatic step each)
  smooth_um = O.defaults.smooth_um, -- µm, in-plane Gaussian sigma before the column walks (0 = none)
  k_void = O.defaults.k_void,  -- void_max = Li level - k_void Li spreads
  center = "auto",             -- rotation centre (0-based detector column) or "auto"
  reuse = false,               -- keep existing reconstructions in `out`
  stripes = O.defaults.stripes, -- ring removal before Gridrec: none sort large dead fw (tl.reconstruct)
  stripe_size = O.defaults.stripe_size, -- its median window across the detector (odd pixels); 0 = tl.reconstruct's default
  contact_model = "datasets/models/contact_cell.h5", -- trained contact classifier; "" = seed 000's rule alone
}

local t_start = tl.clock()

-- 1. The dataset: built once (make demo rebuilds it when its generator changes).
if not O.exists(P.dataset .. "/cell.mpt") then
  O.log("building the demo dataset in %s (size %s)", P.dataset, P.size)
  local cmd = string.format("%s datasets/make_demo.lua -p size=%s -p out=%s", arg[-1] or "./tomolith", P.size, P.dataset)
  assert(os.execute(cmd), "building the demo dataset failed: " .. cmd)
end
assert(os.execute("mkdir -p '" .. P.out .. "'"), "cannot create " .. P.out)

local scans, times = O.scan_files(P.dataset, P.step_s)
assert(#scans >= 2, "no scan_NN.h5 series in " .. P.dataset)

-- 2. Images: reconstruct, segment, measure (tl.operando, shared with
--    recipes/lewis2021_lsps.lua).
local results = O.analyse_series {
  scans = scans, times_s = times, out = P.out, electrodes = { "top", "bottom" },
  j_nominal = P.current_density, smooth_um = P.smooth_um, k_void = P.k_void, center = P.center,
  reuse = P.reuse, contact_model = P.contact_model, stripes = P.stripes,
  stripe_size = P.stripe_size > 0 and P.stripe_size or nil,
}

-- 3. Ground truth of the synthetic cell, for every measured number.
local truth = {}
for i = 1, #scans do truth[i] = tl.load_results(string.format("%s/truth_%02d.h5", P.dataset, i - 1)) end
local function tv(i, key) return truth[i].table[key][1] end
local cell_area = tv(1, "cell_area_mm2")

local check_rows, worst = {}, { contact_pp = 0, void_pct = 0, thick_vox = 0, j_corr = 1, interphase_pct = 0 }
for i, r in ipairs(results.scans) do
  for _, e in ipairs { "top", "bottom" } do
    local m, t = r[e], truth[i]
    local contact_true = tv(i, "contact_area_" .. e .. "_mm2")
    local void_true = tv(i, "void_volume_" .. e .. "_um3")
    local thick = tl.compare(m.li_thickness_um, t.maps["li_thickness_" .. e], { mask = m.has_li })
    local row = {
      scan = r.name, electrode = e,
      contact_mm2 = m.contact_mm2, contact_true_mm2 = contact_true,
      contact_error_pp = 100 * (m.contact_mm2 - contact_true) / cell_area,
      contact_iou = tl.compare(m.contact, t.maps["contact_" .. e]).iou,
      -- seed 000's per-voxel rule alone, when the classifier decided
      contact_rule_error_pp = m.contact_rule_mm2 and 100 * (m.contact_rule_mm2 - contact_true) / cell_area or 0 / 0,
      void_um3 = m.void_volume_um3, void_true_um3 = void_true,
      void_error_pct = 100 * (m.void_volume_um3 - void_true) / void_true,
      thickness_mae_voxels = thick.mae / r.voxel_um,
      interphase_um = m.interphase_um, interphase_true_um = tv(i, "interphase_mean_thickness_" .. e .. "_um"),
      j_correlation = 0 / 0,
    }
    if r.step then
      -- the truth holds the local current's magnitude; measured j is negative where Li was stripped
      local stripped = tv(i, "step_strip_electrode") == (e == "top" and 0 or 1)
      local j = stripped and r.step[e].j * -1 or r.step[e].j
      row.j_correlation = tl.compare(j, t.maps["current_density_" .. e], { mask = r.step[e].j_valid }).correlation
    end
    check_rows[#check_rows + 1] = row
    worst.contact_pp = math.max(worst.contact_pp, math.abs(row.contact_error_pp))
    worst.void_pct = math.max(worst.void_pct, math.abs(row.void_error_pct))
    worst.thick_vox = math.max(worst.thick_vox, row.thickness_mae_voxels)
    row.interphase_error_pct = 100 * (row.interphase_um / row.interphase_true_um - 1)
    worst.interphase_pct = math.max(worst.interphase_pct, math.abs(row.interphase_error_pct))
    if r.step and tv(i, "step_strip_electrode") == (e == "top" and 0 or 1) then
      worst.j_corr = math.min(worst.j_corr, row.j_correlation)
    end
  end
end

-- 4. Electrochemistry: the potentiostat's curve and seed 000's cell model,
--    fitted on the first half-cycle (the first step) and predicting the rest.
local mpt = tl.read_mpt(P.dataset .. "/cell.mpt")
local inter_t, inter_um = {}, {}
for i = 1, #scans do
  inter_t[i] = times[i]
  -- measured (tl.interphase): the current crosses both layers in series
  inter_um[i] = results.scans[i].top.interphase_um + results.scans[i].bottom.interphase_um
end
local electrolyte_um = 0
for _, r in ipairs(results.scans) do electrolyte_um = electrolyte_um + r.electrolyte_um / #results.scans end
local echem = O.fit_and_predict(results, mpt, {
  fit_window = { times[1], times[2] }, interphase_time = inter_t, interphase_thickness = inter_um,
  electrolyte_um = electrolyte_um, i0_start = 1.0, kappa_interphase_start = 1e-5,
})
local model_true = {}
do
  local f = assert(io.open(P.dataset .. "/cell_model.csv"))
  local head, vals = f:read("l"), f:read("l")
  f:close()
  local names, k = {}, 1
  for name in head:gmatch("[^,]+") do names[#names + 1] = name end
  for v in vals:gmatch("[^,]+") do model_true[names[k]] = tonumber(v); k = k + 1 end
end
local i0_err = 100 * (echem.fit.values.i0 / model_true.i0_mA_cm2 - 1)
local kappa_err = 100 * (echem.fit.values.kappa_interphase / model_true.kappa_interphase_S_cm - 1)

-- 5. Figures, tables, results file, report.
local figs = O.figures(results, echem, P.out)
local R = tl.report.new { dir = P.out, title = "Quickstart: operando Li | LSPS | Li cell (synthetic demo)" }
R:text(string.format("Series of %d scans in `%s`, %s mA/cm² nominal, one %g h galvanostatic step between scans: " ..
  "rest, strip top, strip bottom, strip bottom. Reconstructed with Gridrec, segmented by seed 000's column " ..
  "traversal (in-plane smoothing %.1f µm, thresholds proposed from each band's histogram; Li cut-off at the " ..
  "Li/interphase midpoint once the series' interphase level is known), %s, and compared with the " ..
  "synthetic cell's ground truth.", #scans, P.dataset, P.current_density, P.step_s / 3600, P.smooth_um,
  P.contact_model ~= "" and ("contact decided by the trained classifier `" .. P.contact_model .. "` (seed 000's " ..
  "per-voxel rule shown beside it in the accuracy table)") or "contact by seed 000's per-voxel rule"))
R:section("What happened")
local first, last = results.scans[1], results.scans[#results.scans]
R:text(string.format("Contact fell from %.0f %% to %.0f %% at the top interface and from %.0f %% to %.0f %% at the " ..
  "bottom; interfacial voids grew from %.0f to %.0f µm³ (top) and %.0f to %.0f µm³ (bottom). The cell polarised " ..
  "from %.3f V to %.3f V as the contact shrank.",
  100 * first.top.contact_fraction, 100 * last.top.contact_fraction,
  100 * first.bottom.contact_fraction, 100 * last.bottom.contact_fraction,
  first.top.void_volume_um3, last.top.void_volume_um3, first.bottom.void_volume_um3, last.bottom.void_volume_um3,
  echem.voltage[2], echem.voltage[#echem.voltage]))
for _, f in ipairs(figs) do if f.file:find("voltage") or f.file:find("contact_maps") then R:figure(f.file, f.caption) end end
R:section("Per scan")
R:table { name = "scans", columns = O.scan_columns, rows = O.scan_rows(results),
  caption = "Contact area, regions, interfacial voids, Li volume and the thresholds used, per scan and interface" }
R:section("Cell model (seed 000)")
R:table { name = "cell_model_fit", columns = { "parameter", "value", "std_error" }, rows = O.fit_rows(echem),
  caption = string.format("Fitted on the first half-cycle (%g–%g s); residual RMS %.2f mV. The standard errors " ..
    "reflect the voltage noise only: errors in the measured contact areas, above all in their change between the " ..
    "first two scans, move i0 and κ far more (docs/segmentation.md)", times[1], times[2], 1000 * echem.fit.rms) }
R:section("Accuracy against the ground truth")
R:table { name = "truth_check", columns = { "scan", "electrode", "contact_mm2", "contact_true_mm2", "contact_error_pp",
  "contact_iou", "contact_rule_error_pp", "void_um3", "void_true_um3", "void_error_pct", "thickness_mae_voxels", "j_correlation",
  "interphase_um", "interphase_true_um", "interphase_error_pct" },
  rows = check_rows, caption = "Measured vs true, per scan and interface" }
R:text(string.format("Worst over the series: contact %.2f percentage points, void volume %.1f %%, Li thickness MAE " ..
  "%.2f voxels, current-density correlation at the stripping interface %.3f, interphase mean thickness %.1f %% " ..
  "(interphase level %.2f /cm, measured). Cell model, with the measured contact areas and interphase: i0 %.3f mA/cm² " ..
  "(true %.3f, %+.1f %%), κ_interphase %.3g S/cm (true %.3g, %+.1f %%).",
  worst.contact_pp, worst.void_pct, worst.thick_vox, worst.j_corr, worst.interphase_pct, results.interphase_level,
  echem.fit.values.i0, model_true.i0_mA_cm2, i0_err,
  echem.fit.values.kappa_interphase, model_true.kappa_interphase_S_cm, kappa_err))
R:section("Figures")
for _, f in ipairs(figs) do if not (f.file:find("voltage") or f.file:find("contact_maps")) then R:figure(f.file, f.caption) end end
R:section("Parameters")
local prow = {}
for k, v in pairs(P) do prow[#prow + 1] = { parameter = k, value = tostring(v) } end
table.sort(prow, function(a, b) return a.parameter < b.parameter end)
R:table { columns = { "parameter", "value" }, rows = prow }
O.save(results, echem, P.out .. "/results.h5", {
  truth_check = { worst_contact_pp = worst.contact_pp, worst_void_pct = worst.void_pct,
    worst_thickness_mae_voxels = worst.thick_vox, worst_j_correlation = worst.j_corr,
    worst_interphase_pct = worst.interphase_pct,
    i0_error_pct = i0_err, kappa_interphase_error_pct = kappa_err },
})
local report = R:write()

-- 6. The short summary.
print(string.format("\ntomolith quickstart: %d scans, %.0f s  ->  %s", #scans, tl.clock() - t_start, report))
print(string.format("%-32s %12s %12s %10s", "quantity", "measured", "truth", "error"))
for _, row in ipairs(check_rows) do
  print(string.format("%-32s %12.4f %12.4f %+9.2f pp", "contact " .. row.electrode .. " " .. row.scan .. " (mm²)",
    row.contact_mm2, row.contact_true_mm2, row.contact_error_pp))
  print(string.format("%-32s %12.0f %12.0f %+9.1f %%", "voids " .. row.electrode .. " " .. row.scan .. " (µm³)",
    row.void_um3, row.void_true_um3, row.void_error_pct))
  print(string.format("%-32s %12.3f %12.3f %+9.1f %%", "interphase " .. row.electrode .. " " .. row.scan .. " (µm)",
    row.interphase_um, row.interphase_true_um, row.interphase_error_pct))
end
print(string.format("%-32s %12.4f %12.4f %+9.1f %%", "i0 (mA/cm²)", echem.fit.values.i0, model_true.i0_mA_cm2, i0_err))
print(string.format("%-32s %12.3g %12.3g %+9.1f %%", "kappa_interphase (S/cm)", echem.fit.values.kappa_interphase,
  model_true.kappa_interphase_S_cm, kappa_err))
print(string.format("worst: contact %.2f pp, voids %.1f %%, thickness MAE %.2f voxels, j correlation %.3f, interphase %.1f %%",
  worst.contact_pp, worst.void_pct, worst.thick_vox, worst.j_corr, worst.interphase_pct))
