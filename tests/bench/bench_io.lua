-- bench_io: write and read speed per format for a 64 MB u16 volume
-- (128 x 512 x 512), the cost of an HDF5 z-crop against the whole
-- dataset (the crop is read by hyperslab), and numpy/h5py on the same
-- files for reference when Debian's python3 has them.
local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local nz, ny, nx = 128, 512, 512
local v = tl.full(nz, ny, nx, 0, { dtype = "u16" })
for z = 1, nz, 7 do v:set(z, 100, 100, z) end
local mb = nz * ny * nx * 2 / 2 ^ 20

local function time(fn)
  local best = math.huge
  for _ = 1, 3 do
    local t = os.clock() -- CPU time of this process; wall time matches for one thread of I/O
    local w = os.time()
    fn()
    best = math.min(best, os.clock() - t)
  end
  return best
end

print(string.format("volume %d x %d x %d u16 = %.0f MB, best of 3 (CPU seconds)", nz, ny, nx, mb))
print(string.format("%-8s %10s %10s", "format", "save MB/s", "load MB/s"))
for _, ext in ipairs { ".h5", ".tif", ".npy", ".raw", "_dir/" } do
  local path = dir .. "/b" .. ext
  local ts = time(function() v:save(path) end)
  local tl_ = time(function() tl.load(path) end)
  print(string.format("%-8s %10.0f %10.0f", ext, mb / ts, mb / tl_))
end
local full = time(function() tl.load(dir .. "/b.h5") end)
local crop = time(function() tl.load(dir .. "/b.h5", { z = { 61, 68 } }) end)
print(string.format("HDF5 z-crop of 8 of %d slices: %.4f s vs whole %.4f s (ratio %.1f, ideal %.1f)",
  nz, crop, full, full / crop, nz / 8))
local py = "/usr/bin/python3"
local ok = os.execute(py .. " -c 'import numpy, h5py' 2>/dev/null")
if ok then
  local cmd = py .. [[ -c "
import time, numpy as np, h5py
def best(f):
    r = []
    for _ in range(3):
        t = time.process_time(); f(); r.append(time.process_time() - t)
    return min(r)
mb = ]] .. mb .. [[

print('numpy np.load    %6.0f MB/s' % (mb / best(lambda: np.load(']] .. dir .. [[/b.npy'))))
print('h5py  read all   %6.0f MB/s' % (mb / best(lambda: h5py.File(']] .. dir .. [[/b.h5')['/volume'][...])))
print('h5py  z-crop 8   %.4f s' % best(lambda: h5py.File(']] .. dir .. [[/b.h5')['/volume'][60:68]))
"]]
  os.execute(cmd)
else
  print("skip: numpy/h5py not available for reference figures")
end
os.execute("rm -rf " .. dir)
