-- The quickstart recipe end to end on the reduced demo (datasets/make_demo.lua
-- -p size=small): it must run, write its report, figures, tables and
-- results.h5 with provenance, and its numbers must stay within the errors
-- stated in docs/segmentation.md and docs/tutorial.md for this dataset.
local T = require "tl.test"
local bin = arg[-1] or "./tomolith"
local dir = os.getenv("TL_DEMO_SMALL") or "datasets/demo_small"
local out = T.tmpdir()

local function ok_cmd(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end

T.case("the reduced demo exists or is built", function()
  local f = io.open(dir .. "/cell.mpt")
  if f then f:close() return end
  T.ok(ok_cmd(string.format("%s datasets/make_demo.lua -p size=small -p out=%s > %s/make_demo.log 2>&1", bin, dir, out)),
    "make_demo failed, see " .. out .. "/make_demo.log")
end)

T.case("quickstart runs and writes its report", function()
  T.ok(ok_cmd(string.format("%s --quiet recipes/quickstart.lua -p dataset=%s -p out=%s -p size=small > %s/log.txt 2>&1",
    bin, dir, out, out)), "quickstart failed, see " .. out .. "/log.txt")
  local f = io.open(out .. "/report.md")
  T.ok(f, "report.md written")
  local md = f:read("a")
  f:close()
  T.ok(md:find("## Accuracy against the ground truth", 1, true))
  T.ok(md:find('"tomolith_version"', 1, true), "the report carries provenance")
  -- every figure the report shows exists and is a PNG
  local n = 0
  for file in md:gmatch("%]%(([%w_%.]+%.png)%)") do
    local g = io.open(out .. "/" .. file, "rb")
    T.ok(g, file .. " exists")
    T.eq(g:read(8), "\137PNG\r\n\26\n", file .. " is a PNG")
    g:close()
    n = n + 1
  end
  T.ok(n >= 8, "at least 8 figures, found " .. n)
  for _, csv in ipairs { "scans.csv", "cell_model_fit.csv", "truth_check.csv" } do
    local g = io.open(out .. "/" .. csv)
    T.ok(g, csv .. " written")
    if g then g:close() end
  end
end)

T.case("results.h5 holds the numbers and the recipe's provenance", function()
  local p = tl.provenance(out .. "/results.h5")
  T.eq(p.recipe.path, "recipes/quickstart.lua")
  T.eq(p.parameters.dataset, dir)
  T.ok(#p.inputs >= 8, "inputs recorded with their SHA-256")
  local r = tl.load_results(out .. "/results.h5")
  T.ok(r.scans["00"].top.contact_mm2 > 0)
  T.ok(r.cell_model.values.i0 > 0)
end)

-- The issue's targets, on this dataset (docs/segmentation.md gives the
-- measured figures: contact 0.67 pp, voids 3.2 %, MAE 0.31 voxel, j 0.960,
-- i0 -2.9 %, κ +4.9 %; identical to 4 digits with FFTW's estimated plans
-- instead of measured ones, so last-bit differences do not move them).
T.case("numbers against the ground truth", function()
  local c = tl.load_results(out .. "/results.h5").truth_check
  T.ok(c.worst_contact_pp < 1, string.format("contact within 1 pp (worst %.2f)", c.worst_contact_pp))
  T.ok(c.worst_void_pct < 5, string.format("void volume within 5 %% (worst %.1f)", c.worst_void_pct))
  T.ok(c.worst_thickness_mae_voxels < 1, string.format("Li thickness MAE < 1 voxel (worst %.2f)", c.worst_thickness_mae_voxels))
  T.ok(c.worst_j_correlation >= 0.95, string.format("current density correlation >= 0.95 (worst %.3f)", c.worst_j_correlation))
  T.ok(c.worst_interphase_pct < 12, string.format("interphase mean thickness within 12 %% (worst %.1f)", c.worst_interphase_pct))
  T.ok(math.abs(c.i0_error_pct) < 5, string.format("i0 within 5 %% (%.1f)", c.i0_error_pct))
  T.ok(math.abs(c.kappa_interphase_error_pct) < 5, string.format("κ_interphase within 5 %% (%.1f)", c.kappa_interphase_error_pct))
end)

T.case("lewis2021_lsps on the demo files gives the quickstart's numbers", function()
  local out2 = out .. "/lewis"
  T.ok(ok_cmd(string.format("%s --quiet recipes/lewis2021_lsps.lua -p scans=%s -p mpt=%s/cell.mpt -p out=%s " ..
    "-p contact_model=datasets/models/contact_cell.h5 > %s/lewis.txt 2>&1", bin, dir, dir, out2, out)),
    "lewis2021_lsps failed, see " .. out .. "/lewis.txt")
  local a, b = tl.load_results(out .. "/results.h5"), tl.load_results(out2 .. "/results.h5")
  for _, k in ipairs { "00", "01", "02", "03" } do
    for _, e in ipairs { "top", "bottom" } do
      T.eq(b.scans[k][e].contact_mm2, a.scans[k][e].contact_mm2, "contact " .. k .. " " .. e)
      T.eq(b.scans[k][e].void_volume_um3, a.scans[k][e].void_volume_um3, "voids " .. k .. " " .. e)
      T.eq(b.scans[k][e].interphase_um, a.scans[k][e].interphase_um, "interphase " .. k .. " " .. e)
    end
  end
  T.near(b.cell_model.values.i0, a.cell_model.values.i0, 1e-9)
  T.near(b.cell_model.values.kappa_interphase, a.cell_model.values.kappa_interphase, 1e-9)
end)

os.execute("rm -rf '" .. out .. "'")
T.done()
