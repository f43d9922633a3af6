-- bench_echem.lua — figures for docs/electrochemistry.md:
--   1. fit recovery of i0 and kappa_interphase over many noise seeds
--      (synthetic .mpt written, read back, fitted on the first half-cycle);
--   2. speed of bv.overpotential and cell_voltage on long series.
-- Run with `make bench` (or ./tomolith tests/bench/bench_echem.lua).
local clock = os.clock

local scans = {0, 7200, 14400, 21600, 28800, 36000}
local model = {step_times = {0, 19800}, step_currents = {0.0314, -0.0314},
  contact_time = scans, contact_top = {0.80, 0.78, 0.77, 0.77, 0.76, 0.76},
  contact_bottom = {0.72, 0.70, 0.66, 0.60, 0.45, 0.38},
  interphase_time = scans, interphase_thickness = {2, 6, 10, 13, 15, 16}, electrolyte_thickness = 750,
  i0 = 1.3, kappa_interphase = 2e-4}
local times = {}
for k = 0, 360 do times[#times + 1] = k * 100 end
model.time = times

local function copy(t) local c = {} for k, v in pairs(t) do c[k] = v end return c end

local nseeds = tonumber(os.getenv("TL_BENCH_SEEDS") or "100")
for _, noise in ipairs({5e-4, 1e-3}) do
  local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p '" .. dir .. "'")
  local worst_i0, worst_k, z2_i0, z2_k, fit_time = 0, 0, 0, 0, 0
  for seed = 1, nseeds do
    local s = copy(model); s.noise, s.seed = noise, seed
    local path = dir .. "/cell.mpt"
    tl.synthetic_mpt(path, s)
    local m = tl.read_mpt(path)
    local f = copy(model)
    f.step_times, f.step_currents = nil, nil
    f.time, f.current, f.voltage = m.columns["time/s"], m.columns["I/mA"], m.columns["Ewe/V"]
    f.i0, f.kappa_interphase, f.window = 0.2, 1e-3, {0, 19799}
    local t0 = clock()
    local r = tl.fit_cell(f)
    fit_time = fit_time + clock() - t0
    local ei, ek = r.values.i0 / 1.3 - 1, r.values.kappa_interphase / 2e-4 - 1
    worst_i0 = math.max(worst_i0, math.abs(ei)); worst_k = math.max(worst_k, math.abs(ek))
    z2_i0 = z2_i0 + (ei * 1.3 / r.std_errors.i0) ^ 2
    z2_k = z2_k + (ek * 2e-4 / r.std_errors.kappa_interphase) ^ 2
  end
  os.execute("rm -rf '" .. dir .. "'")
  print(string.format("fit, noise %.1f mV, %d seeds: max |error| i0 %.2f%%, kappa_interphase %.2f%%; "
    .. "mean z² %.2f, %.2f (1 = honest std errors); %.1f ms per fit (198 samples)",
    noise * 1e3, nseeds, worst_i0 * 100, worst_k * 100, z2_i0 / nseeds, z2_k / nseeds, fit_time / nseeds * 1e3))
end

local n = 1000000
local i = {}
for k = 1, n do i[k] = (k - n / 2) * 1e-4 end
local t0 = clock()
tl.bv.overpotential(i, {i0 = 1.3, alpha_a = 0.3, alpha_c = 0.7})
print(string.format("bv.overpotential: %d values in %.3f s CPU (incl. Lua table conversion)", n, clock() - t0))

local long = copy(model)
long.time = {}
for k = 1, n do long.time[k] = (k - 1) * 0.036 end
t0 = clock()
tl.cell_voltage(long)
print(string.format("cell_voltage: %d samples in %.3f s CPU (incl. conversion), OMP_NUM_THREADS=%s", n,
  clock() - t0, os.getenv("OMP_NUM_THREADS") or "default"))
