-- bench_cnn.lua — tomolith vs PyTorch, same machine, same threads, same
-- weights, one 512 x 512 slice: the ResNet34-U-Net (62.6 GFLOP) and a
-- 4-level U-Net of base width 16 (18.4 GFLOP). The PyTorch side
-- (tests/bench/bench_cnn_torch.py, Debian's /usr/bin/python3) builds each
-- model with seeded random weights, exports it with tools/export_pytorch.py
-- and times forward + softmax + argmax; tomolith then times net:infer on
-- the same file. Rounds alternate PyTorch and tomolith (TL_BENCH_ROUNDS,
-- default 3, of TL_BENCH_REPS runs each, default 3) and the best wall-clock
-- time of each is kept, so that a load spike from other jobs on the machine
-- hits both; the load average is printed with every figure. CPU time
-- (all threads) is printed too: with 1 thread it is the fairer figure on a
-- machine shared with other jobs, since it excludes time spent descheduled.
-- Issue targets: no slower than PyTorch on the ResNet34-U-Net, >= 1.5x
-- faster on the small U-Net. Without /usr/bin/python3 + torch, only
-- tomolith's figures are printed (on exported files if present).
local reps = tonumber(os.getenv("TL_BENCH_REPS") or "3")
local rounds = tonumber(os.getenv("TL_BENCH_ROUNDS") or "3")
local size = tonumber(os.getenv("TL_BENCH_SIZE") or "512")
local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p '" .. dir .. "'")

local function loadavg()
  local f = io.open("/proc/loadavg")
  if not f then return "?" end
  local s = f:read("l"); f:close()
  return s:match("^(%S+ %S+ %S+)")
end

local function torch(arch, threads, path)
  -- OMP_NUM_THREADS as well as torch.set_num_threads: without it, PyTorch's
  -- 1-thread runs kept a second OpenMP thread spinning (CPU time twice the
  -- wall time, the wall time the same)
  local cmd = string.format("OMP_NUM_THREADS=%d REPS=%d /usr/bin/python3 tests/bench/bench_cnn_torch.py %s %d %d '%s' 2>/dev/null",
    threads, reps, arch, size, threads, path)
  local p = io.popen(cmd)
  local line = p and p:read("l")
  if p then p:close() end
  if not line then return nil end
  local t, gflop, cpu = line:match("^torch %S+ %d+ %d+ (%S+) (%S+) (%S+)")
  return tonumber(t), tonumber(gflop), tonumber(cpu)
end

local nets = {}
local v = tl.full(1, size, size, 0)
for y = 1, size do for x = 1, size do v:set(1, y, x, ((x * 7919 + y * 104729) % 1000) / 1000) end end

local function ours(path, threads)
  nets[path] = nets[path] or tl.cnn.load(path)
  local net = nets[path]
  local before = tl.threads()
  tl.threads(threads)
  net:infer(v, { tile = size, overlap = 0 }) -- warm-up: pools, page faults
  local best, best_cpu = math.huge, math.huge
  for _ = 1, reps do
    local t0, c0 = tl.clock(), os.clock()
    net:infer(v, { tile = size, overlap = 0 })
    best = math.min(best, tl.clock() - t0)
    best_cpu = math.min(best_cpu, os.clock() - c0)
  end
  tl.threads(before)
  return best, best_cpu
end

print(string.format("cnn bench: %d x %d slice, best of %d rounds x %d runs; load average before: %s", size, size,
  rounds, reps, loadavg()))
for _, m in ipairs({ { "unet16", 1.5, "U-Net 4 levels, width 16" }, { "resnet34-unet", 1.0, "ResNet34-U-Net" } }) do
  for _, threads in ipairs({ 1, 2 }) do
    local path = dir .. "/" .. m[1] .. ".h5"
    local tt, gflop, tcpu, t, cpu = nil, nil, nil, math.huge, math.huge
    for _ = 1, rounds do
      local a, g, c = torch(m[1], threads, path)
      if a then tt, gflop, tcpu = math.min(tt or math.huge, a), g, math.min(tcpu or math.huge, c) end
      local f = io.open(path)
      if not f then break end
      f:close()
      local w, wc = ours(path, threads)
      t, cpu = math.min(t, w), math.min(cpu, wc)
    end
    if t < math.huge then
      if tt then
        print(string.format("%-26s threads %d: tomolith %.3f s (%.0f GFLOP/s), pytorch %.3f s: %.2fx (target >= %.1fx)" ..
          "; CPU time %.3f vs %.3f s: %.2fx [load %s]",
          m[3], threads, t, gflop / t, tt, tt / t, m[2], cpu, tcpu, tcpu / cpu, loadavg()))
      else
        print(string.format("%-26s threads %d: tomolith %.3f s (PyTorch unavailable)", m[3], threads, t))
      end
    else
      print(m[3] .. ": skipped (needs /usr/bin/python3 with torch and h5py to export the model)")
    end
  end
end
os.execute("rm -rf '" .. dir .. "'")
