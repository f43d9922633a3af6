-- recon.lua — the reconstruction API end to end: analytic phantoms through
-- tl.gridrec and tl.reconstruct, centre finding, stripes, phase retrieval,
-- streaming to HDF5, and clear errors.
local T = require "tl.test"
tl.threads(1)

local function interior_mean(v, z, n, r)
  local s, k, c = 0, 0, n // 2
  for y = c - r, c + r do
    for x = c - r, c + r do
      if (y - c) ^ 2 + (x - c) ^ 2 <= r * r then s = s + v:get(z, y + 1, x + 1); k = k + 1 end
    end
  end
  return s / k
end

T.case("gridrec: a uniform disk reconstructs to its density within 1%", function()
  local p = tl.recon_phantom(96, {n_angles = 120, phantom = "disk", center = 48.3})
  local s = tl.gridrec(p.sinograms, p.angles, {center = 48.3})
  local nz, ny, nx = s:shape()
  T.eq(nz, 1); T.eq(ny, 96); T.eq(nx, 96)
  T.near(interior_mean(s, 1, 96, 20), 1.0, 0.01)
  -- every filter runs and keeps the mean of a large disk (none excepted: no ramp)
  for _, f in ipairs({"shepp", "parzen", "hamming", "ramlak", "cosine", "butterworth"}) do
    local r = tl.gridrec(p.sinograms, p.angles, {center = 48.3, filter = f})
    T.near(interior_mean(r, 1, 96, 10), 1.0, 0.03, f)
  end
  -- a NaN in the sinograms is named by its place (1-based slice, angle, column)
  local s2 = tl.crop(p.sinograms, {z = {1, 1}})
  s2:set(1, 7, 40, 0 / 0)
  T.raises(function() tl.gridrec(s2, p.angles, {center = 48.3}) end, "non-finite value (NaN or infinity) at slice 1, angle 7, column 40")
end)

T.case("find_center: Vo and phase correlation on sinograms with a known offset", function()
  local p = tl.recon_phantom(128, {n_angles = 180, phantom = "ellipses", center = 70.3})
  T.near(tl.find_center(p.sinograms), 70.3, 0.5 / 70.3)
  local q = tl.recon_phantom(128, {n_angles = 360, arc = 360, phantom = "ellipses", center = 57.6})
  T.near(tl.find_center(q.sinograms, {method = "pc", angles = q.angles}), 57.6, 0.5 / 57.6)
end)

T.case("remove_stripes lowers the ring metric", function()
  local p = tl.recon_phantom(128, {n_angles = 180, phantom = "ellipses"})
  local s = p.sinograms * 0.02
  for x = 20, 108, 11 do
    local off = ((x * 37) % 13 - 6) * 0.02
    for a = 1, 180 do s:set(1, a, x, s:get(1, a, x) + off) end
  end
  local before = tl.ring_metric(s)
  for _, m in ipairs({"sort", "fw", "large"}) do
    local after = tl.ring_metric(tl.remove_stripes(s, {method = m}))
    print(string.format("  ring metric %s: %.5f -> %.5f", m, before, after))
    if m ~= "large" then T.ok(after < 0.3 * before, m .. " did not remove the stripes") end
  end
end)

T.case("synthetic cell with detector gain errors: stripe removal drops the ring metric", function()
  local cell = tl.phantom.cell{nz = 72, ny = 96, nx = 96, voxel = 4, seed = 3}
  local sc = tl.project(cell:mu(), {n_angles = 120, gain_error = 0.01, subrays = 1, seed = 1})
  local s = tl.sinograms(sc.data, {flats = sc.white, darks = sc.dark, rows = {30, 37}})
  local nz, na, nc = s:shape()
  T.eq(nz, 8); T.eq(na, 120); T.eq(nc, 96)
  local before = tl.ring_metric(s)
  for _, m in ipairs({"sort", "large", "dead", "fw"}) do
    local after = tl.ring_metric(tl.remove_stripes(s, {method = m}))
    print(string.format("  cell, gain_error 0.01, ring metric %s: %.5f -> %.5f (%.0fx)", m, before, after, before / after))
    T.ok(after < before / 5, m .. " did not remove the rings")
  end
  -- and inside reconstruct, rows in parallel
  local r = tl.reconstruct(sc.data, {flats = sc.white, darks = sc.dark, angles = sc.theta, rows = {30, 31},
    center = 48, stripes = "sort"})
  T.eq(select(1, r.volume:shape()), 2)
end)

T.case("retrieve_phase keeps a flat image flat", function()
  local v = tl.full(2, 32, 40, 0.6)
  local r = tl.retrieve_phase(v, {energy_keV = 76.2, distance_mm = 300, pixel_um = 1.7, delta_beta = 1000})
  T.near(r:get(2, 16, 20), 0.6, 1e-5)
  T.raises(function() tl.retrieve_phase(v, {energy_keV = 76.2, distance_mm = 300, pixel_um = 1.7}) end,
    "exactly one of alpha")
end)

T.case("reconstruct: tooth.h5 with the centre found automatically, streamed to HDF5", function()
  local path = T.shared("tomo/tooth.h5")
  if not path then return end
  local scan = tl.dxchange(path)
  T.ok(math.abs(tl.find_center(scan) - 295.75) <= 1, "vo centre")
  T.ok(math.abs(tl.find_center(scan, {method = "pc"}) - 295.75) <= 1, "pc centre")
  local r = tl.reconstruct(scan, {pixel_um = 1.0})
  T.ok(math.abs(r.center - 295.75) <= 1, "centre used " .. r.center)
  local nz, ny, nx = r.volume:shape()
  T.eq(nz, 2); T.eq(ny, 640); T.eq(nx, 640)
  local dir = T.tmpdir()
  local out = dir .. "/tooth_rec.h5"
  local w = tl.reconstruct(scan, {pixel_um = 1.0, center = r.center, output = out, block = 2})
  T.eq(w.path, out)
  T.ok(w.volume == nil, "no volume when streaming")
  -- the streamed file holds the same values as the in-memory volume
  local back = tl.load(out)
  local bz, by, bx = back:shape()
  T.eq(bz, 2); T.eq(by, 640); T.eq(bx, 640)
  local vz, vy, vx = back:voxel()
  T.near(vx, 1.0, 1e-12)
  for _, p in ipairs({{1, 300, 300}, {2, 320, 280}, {1, 100, 500}, {2, 640, 640}}) do
    T.eq(back:get(p[1], p[2], p[3]), r.volume:get(p[1], p[2], p[3]))
  end
  os.remove(out); os.remove(dir)
  T.raises(function() tl.reconstruct(scan, {pixel_um = 1.0, center = 700}) end, "outside the detector")
  T.raises(function() tl.reconstruct(scan, {pixel_um = 1.0, center = 295.75, rows = {2, 3}}) end,
    "outside the detector")
end)

T.case("reconstruct from volumes: units, and bad input", function()
  -- raw counts of a disk of 20 /cm with 2 µm pixels: flat 60100, dark 100
  local n, na = 64, 90
  local p = tl.recon_phantom(n, {n_angles = na, phantom = "disk", center = 32.3, n_slices = 2})
  local proj = tl.full(na, 2, n, 0, {dtype = "f32"})
  local mu_px = 20 * 2e-4
  for a = 1, na do
    for r = 1, 2 do
      for x = 1, n do proj:set(a, r, x, 100 + 60000 * math.exp(-mu_px * p.sinograms:get(r, a, x))) end
    end
  end
  local flats = tl.full(3, 2, n, 60100, {dtype = "f32"})
  local darks = tl.full(2, 2, n, 100, {dtype = "f32"})
  local r = tl.reconstruct(proj, {flats = flats, darks = darks, angles = p.angles, center = 32.3, pixel_um = 2})
  T.near(interior_mean(r.volume, 1, n, 8), 20, 0.01)
  T.raises(function()
    tl.reconstruct(proj, {flats = flats, darks = darks, angles = {0, 1, 2}, center = 32, pixel_um = 2})
  end, "3 angles given for 90 projections")
  T.raises(function() tl.reconstruct(proj, {darks = darks, angles = p.angles, center = 32, pixel_um = 2}) end,
    "flat fields are required")
  local bad = tl.full(3, 2, n, 60100, {dtype = "f32"})
  for k = 1, 3 do bad:set(k, 1, 7, 0) end
  T.raises(function()
    tl.reconstruct(proj, {flats = bad, darks = darks, angles = p.angles, center = 32, pixel_um = 2})
  end, "detector row 1, column 7")
end)

T.done()
