-- datasets/make_demo.lua — the built-in demo: a seeded operando series of
-- a synthetic Li | LSPS | Li cell, projected like a 2-BM scan, with the
-- ground truth of every scan next to it (datasets/README.md lists the files).
--
--   ./tomolith datasets/make_demo.lua                  -- 256 x 256 x 160, 360 angles
--   ./tomolith datasets/make_demo.lua -p size=small    -- 160 x 192 x 192, 360 angles (CI)
--   ./tomolith datasets/make_demo.lua -p out=/tmp/demo -p seed=7
--
-- The series follows seed 000 (1 mA/cm² there; 2 mA/cm² here so that a few
-- scans show the whole story): rest, strip the top electrode, then strip
-- the bottom one twice, 1 h per step.
local P = tl.params{
  size = "default",        -- "default" or "small"
  out = "",                -- output folder; "" = datasets/demo (small: datasets/demo_small)
  seed = 2026,             -- every random choice derives from it
  photons = 58000,         -- flat-field counts per pixel (near the u16 full well: least noise)
  n_angles = 0,            -- projections over 180°; 0 = 360 (default size) or 120 (small)
  current_density = 2.0,   -- mA/cm², nominal
  step_s = 3600,           -- s per galvanostatic step
  -- the potentiostat's curve (cell.mpt) comes from seed 000's cell model with
  -- these "true" parameters and the true contact areas and interphase
  i0 = 1.3,                -- mA/cm², exchange current density
  kappa_interphase = 2e-5, -- S/cm, interphase conductivity
  kappa_electrolyte = 0.0021, -- S/cm, LSPS (seed 000: 2.1 mS/cm)
  mpt_noise = 2e-4,        -- V, Gaussian noise of the voltage
  mpt_dt = 10,             -- s between records
}

local sizes = {
  default = {cell = {nz = 160, ny = 256, nx = 256}, n_angles = 360},
  -- CI's reduced demo: the same cell layers and acquisition, a narrower rod
  -- (the layers and the noise, not the width, decide how hard the analysis is)
  small = {cell = {nz = 160, ny = 192, nx = 192, impurities = 2}, n_angles = 360},
}
local size = sizes[P.size] or error("size must be 'default' or 'small', got '" .. P.size .. "'")
local out = P.out ~= "" and P.out or (P.size == "small" and "datasets/demo_small" or "datasets/demo")
assert(os.execute(string.format("mkdir -p '%s'", out)), "cannot create folder " .. out)

local cell_opts = {seed = P.seed}
for k, v in pairs(size.cell) do cell_opts[k] = v end

-- rest, strip top, strip bottom, strip bottom further
local steps = {
  {name = "rest"},
  {name = "strip_top", strip = "top"},
  {name = "strip_bottom", strip = "bottom"},
  {name = "strip_bottom_further", strip = "bottom"},
}

-- table columns, in the order truth() reports them
local columns = {
  "scan", "time_s", "step_current_density_mA_cm2", "step_duration_s", "step_charge_mAh_cm2",
  "step_strip_electrode", "cell_area_mm2", "contact_area_top_mm2", "contact_area_bottom_mm2",
  "contact_fraction_top", "contact_fraction_bottom", "void_volume_top_um3", "void_volume_bottom_um3",
  "void_fraction_top", "void_fraction_bottom", "li_volume_top_um3", "li_volume_bottom_um3",
  "interphase_volume_top_um3", "interphase_volume_bottom_um3", "interphase_mean_thickness_top_um",
  "interphase_mean_thickness_bottom_um", "pore_volume_um3", "porosity", "stack_thickness_um",
  "collector_top_um", "collector_bottom_um", "collector_shift_top_um", "collector_shift_bottom_um",
  "displacement_step_mean_um", "displacement_step_max_um",
}

local rows = {}
local cell
local t0 = os.clock()
local series = {time = {}, top = {}, bottom = {}, interphase = {}, area = nil}
for k, step in ipairs(steps) do
  local i = k - 1
  if i == 0 then
    cell = tl.phantom.cell(cell_opts)
  else
    cell = tl.phantom.evolve(cell, {current_density_mA_cm2 = P.current_density, duration_s = P.step_s,
                                    strip = step.strip, seed = P.seed + i})
  end
  local scan = string.format("%s/scan_%02d.h5", out, i)
  local truth = string.format("%s/truth_%02d.h5", out, i)
  tl.project(cell:mu(), {path = scan, n_angles = P.n_angles > 0 and P.n_angles or size.n_angles,
                         photons = P.photons, gain_error = 0.002,
                         zingers = 1e-5, seed = P.seed * 100 + i})
  cell:write_truth(truth)
  local t = cell:truth{maps = false}
  local row = {}
  for c, name in ipairs(columns) do row[c] = string.format("%.10g", t[name]) end
  series.time[#series.time + 1] = t.time_s
  series.top[#series.top + 1] = t.contact_area_top_mm2
  series.bottom[#series.bottom + 1] = t.contact_area_bottom_mm2
  -- current crosses both interphase layers in series
  series.interphase[#series.interphase + 1] = t.interphase_mean_thickness_top_um + t.interphase_mean_thickness_bottom_um
  series.area = t.cell_area_mm2
  rows[#rows + 1] = table.concat(row, ",")
  io.stderr:write(string.format("scan %d (%s): contact top %.3f bottom %.3f, voids %.0f + %.0f µm³  [%s]\n",
    i, step.name, t.contact_fraction_top, t.contact_fraction_bottom, t.void_volume_top_um3,
    t.void_volume_bottom_um3, scan))
end

-- the series table, written under a temporary name then renamed
local csv = out .. "/truth.csv"
local tmp = csv .. ".tmp"
local f = assert(io.open(tmp, "w"))
f:write(table.concat(columns, ","), "\n", table.concat(rows, "\n"), "\n")
f:close()
assert(os.rename(tmp, csv))
-- The potentiostat's record of the same steps (I > 0 strips the top electrode),
-- a BioLogic .mpt as a real experiment would leave next to its scans.
local current_mA = P.current_density * series.area / 100
local step_times, step_currents = {}, {}
for k = 2, #steps do
  step_times[#step_times + 1] = (k - 2) * P.step_s
  step_currents[#step_currents + 1] = steps[k].strip == "top" and current_mA or -current_mA
end
local time = {}
for k = 0, math.floor((#steps - 1) * P.step_s / P.mpt_dt) do time[#time + 1] = k * P.mpt_dt end
local pellet_um = size.cell.pellet_thickness or 125
tl.synthetic_mpt(out .. "/cell.mpt", {time = time, step_times = step_times, step_currents = step_currents,
  contact_time = series.time, contact_top = series.top, contact_bottom = series.bottom,
  interphase_time = series.time, interphase_thickness = series.interphase, electrolyte_thickness = pellet_um,
  kappa_electrolyte = P.kappa_electrolyte, kappa_interphase = P.kappa_interphase, i0 = P.i0,
  noise = P.mpt_noise, seed = P.seed})
local mf = assert(io.open(out .. "/cell_model.csv.tmp", "w"))
mf:write("i0_mA_cm2,kappa_interphase_S_cm,kappa_electrolyte_S_cm,electrolyte_thickness_um,current_mA,noise_V\n")
mf:write(string.format("%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", P.i0, P.kappa_interphase, P.kappa_electrolyte,
  pellet_um, current_mA, P.mpt_noise))
mf:close()
assert(os.rename(out .. "/cell_model.csv.tmp", out .. "/cell_model.csv"))
io.stderr:write(string.format("demo: %d scans and cell.mpt in %s (%.1f s CPU)\n", #steps, out, os.clock() - t0))
