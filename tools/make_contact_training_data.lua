-- tools/make_contact_training_data.lua — training data for the contact
-- classifier (datasets/models/contact_cell.h5, trained by tools/train_contact.py).
--
--   ./tomolith tools/make_contact_training_data.lua                      -- build/contact_train
--   ./tomolith tools/make_contact_training_data.lua -p seeds=4101,4102 -p out=/tmp/ct
--
-- Each seed is a demo-like series (datasets/make_demo.lua: the same cell
-- layers, acquisition and noise, another random cell and another current),
-- reconstructed and analysed exactly as recipes/quickstart.lua does
-- (tl.operando.analyse_series, both passes), so the classifier's input is
-- what it will meet. Per scan
-- and interface it writes
--   x_<seed>_<scan>_<electrode>.npy   the classifier input (tl.operando.contact_input)
--   y_<seed>_<scan>_<electrode>.npy   the true contact map (u8)
-- The demo's own seed (2026) is refused: the demo is the test.
local O = require "tl.operando"

local P = tl.params {
  out = "build/contact_train",
  seeds = "4101,4102,4103,4104,4105,4106,4107,4108,4109,4110,4111,4112",
  currents = "1.5,2.0,2.5", -- mA/cm², taken in turn by the seeds
  size = "small",           -- make_demo size: small (160 x 192 x 192) or default
  -- the quickstart's analysis settings (tl.operando.defaults)
  smooth_um = O.defaults.smooth_um,
  k_void = O.defaults.k_void,
  stripes = O.defaults.stripes,
  stripe_size = O.defaults.stripe_size,
}

local function list(s)
  local t = {}
  for v in tostring(s):gmatch("[^,%s]+") do t[#t + 1] = tonumber(v) or error("not a number: " .. v) end
  return t
end

local seeds, currents = list(P.seeds), list(P.currents)
assert(os.execute("mkdir -p '" .. P.out .. "'"), "cannot create " .. P.out)
local t0 = tl.clock()
for n, seed in ipairs(seeds) do
  assert(seed ~= 2026, "seed 2026 is the demo's: training on it would test on the training data")
  local dir = string.format("%s/series_%d", P.out, seed)
  local cd = currents[(n - 1) % #currents + 1]
  if not O.exists(dir .. "/cell.mpt") then
    local cmd = string.format("%s datasets/make_demo.lua -p size=%s -p out=%s -p seed=%d -p current_density=%g",
      arg[-1] or "./tomolith", P.size, dir, seed, cd)
    assert(os.execute(cmd), "building the series failed: " .. cmd)
  end
  local scans, times = O.scan_files(dir, 3600)
  -- the quickstart's analysis, both passes, without a classifier
  -- reconstructions per ring-removal setting, kept for the next run
  local rdir = string.format("%s/recon_%s_%d", dir, P.stripes, P.stripe_size)
  assert(os.execute("mkdir -p '" .. rdir .. "'"), "cannot create " .. rdir)
  local res = O.analyse_series { scans = scans, times_s = times, out = rdir, electrodes = { "top", "bottom" },
    smooth_um = P.smooth_um, k_void = P.k_void, stripes = P.stripes,
    stripe_size = P.stripe_size > 0 and P.stripe_size or nil, reuse = true }
  for i, r in ipairs(res.scans) do
    local truth = tl.load_results(string.format("%s/truth_%02d.h5", dir, i - 1))
    for _, e in ipairs { "top", "bottom" } do
      local name = string.format("%d_%02d_%s", seed, i - 1, e)
      tl.save(O.contact_input(r[e]), string.format("%s/x_%s.npy", P.out, name))
      tl.save(truth.maps["contact_" .. e], string.format("%s/y_%s.npy", P.out, name))
    end
  end
  O.log("series %d (seed %d, %g mA/cm²) done, %.0f s", n, seed, cd, tl.clock() - t0)
end
