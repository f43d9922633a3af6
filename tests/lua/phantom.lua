-- The phantom from Lua: cell, truth, evolve, project (in memory and to a
-- Data Exchange file read back by tl.dxchange), repeatability, bad input.
local T = require "tl.test"

local small = {nz = 64, ny = 80, nx = 80, voxel = 3.0, li_thickness = 40, pellet_thickness = 80,
               contact_region = 15, ring_period = 60, pore_radius = 5, seed = 11}

local function tmpname(tag)
  return string.format("/tmp/tl_phantom_lua_%s_%d.h5", tag, math.random(1, 1 << 30))
end

T.case("cell: labels, mu and truth meet the requested targets", function()
  local c = tl.phantom.cell(small)
  T.ok(tostring(c):find("phantom_cell scan 0", 1, true), tostring(c))
  local lab, mu = c:labels(), c:mu()
  T.eq(lab:dtype(), "u8"); T.eq(mu:dtype(), "f32")
  local nz, ny, nx = lab:shape()
  T.eq(nz, 64); T.eq(ny, 80); T.eq(nx, 80)
  T.near(select(1, mu:voxel()), 3.0, 1e-12)
  local t = c:truth()
  T.near(t.contact_fraction_top, 0.7, 0.005 / 0.7)
  T.near(t.contact_fraction_bottom, 0.7, 0.005 / 0.7)
  T.ok(math.abs(t.porosity - 0.05) < 0.005, "porosity " .. t.porosity)
  T.ok(math.abs(t.void_fraction_top - 0.03) < 0.005, "void " .. t.void_fraction_top)
  T.near(t.contact_area_top_mm2, t.contact_fraction_top * t.cell_area_mm2, 1e-9)
  -- the contact map agrees with the table
  local s = t.contact_top:stats()
  T.near(s.mean * 80 * 80 * 9e-6, t.contact_area_top_mm2, 1e-9)
  -- steel is the brightest phase, then electrolyte, interphase, Li
  T.ok(mu:get(1, 40, 40) > 50, "steel at the top")
end)

T.case("evolve: current only through contact, mean = nominal; stack thins", function()
  local c0 = tl.phantom.cell(small)
  local c1 = c0:evolve{current_density_mA_cm2 = 2, duration_s = 3600, strip = "top", seed = 3}
  local t0, t1 = c0:truth{maps = false}, c1:truth()
  T.eq(t1.scan, 1); T.eq(t1.time_s, 3600); T.eq(t1.step_strip_electrode, 0)
  T.ok(t1.stack_thickness_um < t0.stack_thickness_um)
  T.ok(t1.li_volume_top_um3 < t0.li_volume_top_um3)
  T.ok(t1.void_volume_top_um3 > t0.void_volume_top_um3)
  T.ok(t1.interphase_volume_bottom_um3 > t0.interphase_volume_bottom_um3)
  -- mean over the cell of the local current density is the nominal one
  local j = t1.current_density_top:stats()
  local area_fraction = t1.cell_area_mm2 / (80 * 80 * 9e-6)
  T.near(j.mean / area_fraction, 2.0, 1e-5)
  -- the original cell is unchanged
  T.eq(c0:truth{maps = false}.scan, 0)
end)

T.case("project in memory: shapes, angles, flats and darks", function()
  local c = tl.phantom.cell(small)
  local r = tl.project(c:mu(), {n_angles = 12, photons = 5000, dark_counts = 20, n_flat = 3, n_dark = 2})
  local na, nr, nc = r.data:shape()
  T.eq(na, 12); T.eq(nr, 64); T.eq(nc, 80)
  T.eq(#r.theta, 12); T.near(r.theta[2], 15, 1e-12)
  T.eq(select(1, r.white:shape()), 3); T.eq(select(1, r.dark:shape()), 2)
  T.near(r.dark:stats().mean, 20, 0.05)
  -- through steel far fewer photons than through Li
  T.ok(r.data:get(1, 1, 40) < r.data:get(1, 20, 40))
  local a = tl.project(c:mu(), {angles = {0, 33.3, 90}, noise = false})
  T.eq(#a.theta, 3); T.near(a.theta[2], 33.3, 1e-12)
end)

T.case("project to Data Exchange: reads back; same seed, same data", function()
  local c = tl.phantom.cell(small)
  local mu = c:mu()
  local p1, p2 = tmpname("a"), tmpname("b")
  tl.project(mu, {path = p1, n_angles = 20, seed = 5, block = 3})
  tl.project(mu, {path = p2, n_angles = 20, seed = 5, block = 7})
  local d1, d2 = tl.dxchange(p1), tl.dxchange(p2)
  local i = d1:info()
  T.eq(i.n_angles, 20); T.eq(i.n_rows, 64); T.eq(i.n_cols, 80); T.eq(i.dtype, "u16")
  T.eq(i.n_flat, 10); T.eq(i.n_dark, 10)
  T.near(i.pixel_um, 3.0, 1e-12)
  T.near(i.theta_deg[20], 171, 1e-12)
  for _, what in ipairs{"data", "data_white", "data_dark"} do
    local a, b = d1:read{what = what}, d2:read{what = what}
    local diff = (a - b):stats()
    T.eq(diff.min, 0); T.eq(diff.max, 0)
  end
  local other = tl.project(mu, {n_angles = 20, seed = 6})
  local same = tl.project(mu, {n_angles = 20, seed = 5})
  T.eq(((same.data:astype("f32") - d1:read{}):stats()).max, 0)
  T.ok(((other.data:astype("f32") - d1:read{}):stats()).max > 0)
  os.remove(p1); os.remove(p2)
end)

T.case("write_truth: an HDF5 file with labels, maps and table", function()
  local c = tl.phantom.cell(small)
  local p = tmpname("truth")
  T.eq(c:write_truth(p), p)
  local lab = tl.load(p, {dataset = "/labels"})
  local d = (lab:astype("f32") - c:labels():astype("f32")):stats()
  T.eq(d.min, 0); T.eq(d.max, 0)
  T.near(select(1, lab:voxel()), 3.0, 1e-12)
  local t = c:truth()
  local cm = tl.load(p, {dataset = "/maps/contact_bottom"})
  T.eq(((cm:astype("f32") - t.contact_bottom:astype("f32")):stats()).max, 0)
  local th = tl.load(p, {dataset = "/maps/li_thickness_top"})
  T.near(th:stats().mean, t.li_thickness_top:stats().mean, 1e-6)
  os.remove(p)
end)

T.case("bad input names the argument", function()
  T.raises(function() tl.phantom.cell{contact_fraction = 1.5} end, "contact_fraction")
  T.raises(function() tl.phantom.cell{nz = 40} end, "collectors")
  T.raises(function() tl.phantom.cell{contact_fraction = 0.5, void_fraction = 0} end, "void_fraction")
  T.raises(function() tl.phantom.cell{nzz = 40} end, "nzz")
  local c = tl.phantom.cell(small)
  T.raises(function() c:evolve{strip = "middle"} end, "strip")
  T.raises(function() c:evolve{duration_s = 0} end, "duration_s")
  T.raises(function() tl.project(c:labels()) end, "f32")
  T.raises(function() tl.project(c:mu(), {photons = 64000, n_angles = 2}) end, "saturate")
  T.raises(function() tl.project(c:mu(), {path = "/nonexistent-dir/x.h5", n_angles = 2}) end, "nonexistent-dir")
end)

T.done()
