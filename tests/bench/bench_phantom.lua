-- bench_phantom: the demo-size phantom (256 x 256 x 160 at 1.7 µm): time
-- to build, evolve, rasterise and project (360 angles, 4 sub-rays), and
-- the whole 4-scan demo against the issue's budget ("well under a minute
-- or two on 2 cores"). CPU seconds (os.clock) of this process: with 2
-- threads the wall time is lower when the cores are free.
local function cpu(fn)
  local t = os.clock()
  local r = fn()
  return os.clock() - t, r
end

local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local t_cell, cell = cpu(function() return tl.phantom.cell{} end)
local t_evolve = cpu(function() return cell:evolve{current_density_mA_cm2 = 2, duration_s = 3600} end)
local t_mu, mu = cpu(function() return cell:mu() end)
local t_proj = cpu(function() tl.project(mu, {path = dir .. "/scan.h5", n_angles = 360}) end)
local t_truth = cpu(function() cell:write_truth(dir .. "/truth.h5") end)
print(string.format("phantom.cell      %6.2f s", t_cell))
print(string.format("phantom.evolve    %6.2f s", t_evolve))
print(string.format("cell:mu()         %6.2f s", t_mu))
print(string.format("tl.project 360    %6.2f s  (%.1f M detector pixels/s, 4 exact rays each, with noise and HDF5)",
  t_proj, 360 * 256 * 160 / t_proj / 1e6))
print(string.format("write_truth       %6.2f s", t_truth))
local demo = 4 * (t_proj + t_mu + t_truth) + t_cell + 3 * t_evolve
print(string.format("4-scan demo (est) %6.1f s CPU; budget 60-120 s on 2 cores: ratio %.2f of 60 s", demo, demo / 60))
os.execute("rm -rf " .. dir)
