-- bench_seg.lua — speed of the column operators and of 26-connected labelling.
--   threshold_columns and contact_map on a 2048 x 2048 x 128 f32 interface
--   band (issue 5 target: >= 200 Mvoxel/s per core), and label(26) on a
--   512^3 mask against scipy.ndimage.label (target: >= 5x faster).
-- Sizes can be reduced for a quick look: BENCH_SEG_NXY=512 BENCH_SEG_NL=256.
-- The timings include the registry's argument checks (the NaN scan of the
-- volume), i.e. what a recipe pays.
local nxy = tonumber(os.getenv("BENCH_SEG_NXY")) or 2048
local nl = tonumber(os.getenv("BENCH_SEG_NL")) or 512
local threads = tl.threads()

local function timed(fn, reps)
  reps = reps or 3
  local best, out = math.huge, nil
  for _ = 1, reps do
    local t0 = tl.clock()
    out = fn()
    best = math.min(best, tl.clock() - t0)
  end
  return best, out
end

print(string.format("threads: %d (OMP_NUM_THREADS)", threads))
local t0 = tl.clock()
local cell = tl.analytic_cell { nz = 128, ny = nxy, nx = nxy, noise = 0.1, voxel_um = 1.7 }
local band = cell.volume
cell.pores, cell.voids = nil, nil
collectgarbage()
local nvox = 128 * nxy * nxy
print(string.format("band (128, %d, %d) f32 built in %.1f s", nxy, nxy, tl.clock() - t0))

local th = { li_max = 2.0, sse_min = 2.8, steel_min = 5.5 }
local t, r = timed(function() return tl.threshold_columns(band, th) end)
local rate = nvox / t / 1e6
print(string.format("threshold_columns: %.3f s, %.0f Mvoxel/s, %.0f Mvoxel/s per core (target 200): %s",
  t, rate, rate / threads, rate / threads >= 200 and "met" or "NOT met"))
local tc, c = timed(function() return tl.contact_map(band, r.li, { void_max = 0.6 }) end)
rate = nvox / tc / 1e6
print(string.format("contact_map: %.3f s, %.0f Mvoxel/s, %.0f Mvoxel/s per core (target 200): %s",
  tc, rate, rate / threads, rate / threads >= 200 and "met" or "NOT met"))
local tv = timed(function() return tl.interfacial_voids(band, r.li, { void_max = 0.6, sse_min = 2.8 }) end)
print(string.format("interfacial_voids: %.3f s, %.0f Mvoxel/s per core (no target)", tv, nvox / tv / 1e6 / threads))
print(string.format("contact %.4f mm² (truth %.4f mm²)", c.contact_mm2, cell.contact_mm2))
band, r, c, cell = nil, nil, nil, nil
collectgarbage()

-- label: a porous 512^3 mask (smoothed noise above its mean, ~50% solid)
t0 = tl.clock()
local noise = tl.analytic_cell { nz = nl, ny = nl, nx = nl, noise = 50, seed = 7, voxel_um = 1 }
local smooth = tl.gaussian(noise.volume, { sigma_um = 1.5 })
noise = nil
collectgarbage()
local mask = smooth:gt(smooth:stats().mean)
smooth = nil
collectgarbage()
print(string.format("mask %d^3 built in %.1f s, %.1f%% foreground", nl, tl.clock() - t0, 100 * mask:stats().mean))
local tlab, lab = timed(function() return tl.label(mask, { connectivity = 26 }) end)
print(string.format("label(26): %.3f s, %d components, %.0f Mvoxel/s", tlab, lab.count, nl ^ 3 / tlab / 1e6))
lab = nil
collectgarbage()

local py = "/usr/bin/python3"
local f = io.open(py, "r")
local have_py = f ~= nil
if f then f:close() end
local ok_scipy = have_py and os.execute(py .. " -c 'import scipy.ndimage, h5py' 2>/dev/null")
if not ok_scipy then
  print("scipy.ndimage.label: not measured (Debian /usr/bin/python3 with scipy and h5py not found)")
else
  local path = os.tmpname() .. ".h5"
  tl.save_results({ mask = mask }, path)
  local script = table.concat({
    "import h5py, time, numpy as np, scipy.ndimage as nd",
    "m = h5py.File('" .. path .. "', 'r')['mask'][...]",
    "s = np.ones((3, 3, 3), bool)",
    "best = 1e9",
    "for _ in range(3):",
    "    t = time.perf_counter(); l, n = nd.label(m, structure=s); best = min(best, time.perf_counter() - t)",
    "print(best, n)",
  }, "\n")
  local p = io.popen(py .. " -c \"" .. script .. "\"")
  local out = p:read("a")
  p:close()
  os.remove(path)
  os.remove(path:sub(1, -4))
  local ts, ns = out:match("([%d%.e%-]+)%s+(%d+)")
  if ts then
    ts = tonumber(ts)
    print(string.format("scipy.ndimage.label(26): %.3f s, %s components (same mask); tomolith is %.1fx faster with %d threads (target 5x): %s",
      ts, ns, ts / tlab, threads, ts / tlab >= 5 and "met" or "NOT met"))
  else
    print("scipy.ndimage.label: failed: " .. out)
  end
end
