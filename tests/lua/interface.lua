-- interface operators from Lua: regions, effective and local current density,
-- hot spots, thickness, interface height, porosity.
local T = require "tl.test"

T.case("regions: areas sorted, fractions above / below a size", function()
  local m = tl.full(1, 40, 50, 0, { dtype = "u8", voxel_um = 10 })  -- 1e-4 mm² per pixel
  for y = 3, 22 do for x = 3, 32 do m:set(y, x, 1) end end            -- 600 px
  for y = 26, 35 do for x = 6, 25 do m:set(y, x, 1) end end           -- 200 px
  m:set(39, 41, 1)
  local g = tl.regions(m, { size_mm2 = 0.01 })
  T.eq(g.count, 3)
  T.near(g.areas_mm2[1], 0.06, 1e-9); T.near(g.areas_mm2[3], 1e-4, 1e-9)
  T.near(g.fraction_above, 0.08 / 0.0801, 1e-9)
  T.eq(g.labels:get(4, 4), 1)
  T.raises(function() tl.regions(tl.full(2, 4, 4, 0, { dtype = "u8" })) end, "2D map")
end)

T.case("effective current density", function()
  T.near(tl.effective_current_density(1, 0.2, 1), 5, 1e-12)
  T.raises(function() tl.effective_current_density(1, 0, 1) end, "no contact")
  local c = tl.analytic_cell { nz = 48, ny = 32, nx = 32 }
  local r = tl.threshold_columns(c.volume, { li_max = 2, sse_min = 2.8, steel_min = 5.5 })
  local k = tl.contact_map(c.volume, r.li, { void_max = 0.6, j_nominal = 1 })
  T.near(k.j_effective, k.map_mm2 / k.contact_mm2, 1e-9)
  local k2 = tl.contact_map(c.volume, r.li, { void_max = 0.6, current_mA = 0.01 })
  T.near(k2.j_effective, 0.01 / (k2.contact_mm2 * 0.01), 1e-9)   -- mA over cm²
  T.raises(function() tl.contact_map(c.volume, r.li, { void_max = 0.6, current_mA = 1, j_nominal = 1 }) end, "not both")
end)

T.case("contact change between two maps", function()
  local a, b = tl.full(1, 10, 10, 0, { dtype = "u8", voxel_um = 10 }), tl.full(1, 10, 10, 0, { dtype = "u8", voxel_um = 10 })
  for y = 1, 10 do for x = 1, 5 do a:set(y, x, 1) end end        -- 50 px
  for y = 1, 10 do for x = 3, 6 do b:set(y, x, 1) end end        -- 40 px: 30 kept, 20 lost, 10 gained
  local d = tl.contact_change(a, b)
  T.near(d.change_percent, -20, 1e-12)
  T.near(d.lost_mm2, 20e-4, 1e-9); T.near(d.gained_mm2, 10e-4, 1e-9)
  T.eq(d.change:get(1, 1), 2); T.eq(d.change:get(1, 4), 1); T.eq(d.change:get(1, 6), 3); T.eq(d.change:get(1, 9), 0)
  T.raises(function() tl.contact_change(tl.full(1, 10, 10, 0, { dtype = "u8" }), a) end, "c1 has no contact")
  T.raises(function() tl.contact_change(a, tl.full(1, 10, 9, 0, { dtype = "u8" })) end, "(1, 10, 9)")
end)

T.case("current density, seed 002 eq. 3: 4.8505 µm in one hour is 1 mA/cm²", function()
  local um = 3.6 / 96485.33212 * 13.0 * 1e4
  local t1, t2 = tl.full(1, 4, 4, 100), tl.full(1, 4, 4, 100 + um)
  t2:set(2, 2, 100 - um)
  t1:set(4, 4, -1)
  local j = tl.current_density(t1, t2, 3600)
  T.near(j.j:get(1, 1), 1, 1e-5)
  T.near(j.j:get(2, 2), -1, 1e-5)
  T.eq(j.valid:get(4, 4), 0)
  T.raises(function() tl.current_density(t1, tl.full(1, 4, 5, 0), 3600) end, "t2")
  T.raises(function() tl.current_density(t1, t2, 0) end, "dt_s")
end)

T.case("hot spots", function()
  local j = tl.full(1, 30, 30, 1, { voxel_um = 10 })
  for y = 1, 30 do for x = 1, 30 do j:set(y, x, 1 + 0.01 * ((y * 7 + x * 3) % 5 - 2)) end end
  for y = 6, 8 do for x = 6, 9 do j:set(y, x, 5) end end
  local h = tl.hot_spots(j, { k = 2 })
  T.eq(h.hot_count, 1); T.eq(h.cold_count, 0)
  T.near(h.hot_areas_mm2[1], 12e-4, 1e-9)
end)

T.case("thickness map and interface height", function()
  local m = tl.full(10, 2, 3, 0, { dtype = "u8", voxel_um = { 1.5, 2, 2 } })
  for z = 1, 4 do m:set(z, 1, 2, 1) end
  T.near(tl.thickness_map(m):get(1, 2), 6, 1e-6)
  local h = tl.interface_height(m, { from = "top" })
  T.near(h.height_um:get(1, 2), 6, 1e-6)
  T.eq(h.height_um:get(1, 1), -1); T.eq(h.valid:get(1, 1), 0)
  T.near(tl.interface_height(m, { from = "bottom" }).height_um:get(1, 2), 0, 1e-9)
end)

T.case("porosity: profile, map, difference, band, histogram", function()
  local p = tl.full(20, 4, 5, 0, { dtype = "u8", voxel_um = 5 })
  for z = 1, 20 do for y = 1, 4 do for x = 1, 5 do if x <= (z - 1) % 6 then p:set(z, y, x, 1) end end end end
  local pr = tl.porosity_profile(p, { bin_um = 10 })
  T.eq(#pr.porosity, 10)
  T.near(pr.porosity[1], (0 + 1) / 10, 1e-12)
  T.near(pr.position_um[1], 5, 1e-12)
  local m1 = tl.porosity_map(p, { depth_um = 30 })
  T.near(m1.porosity:get(1, 1), 5 / 6, 1e-6)   -- planes 1..6: x = 1 is pore in planes 2..6
  local m2 = tl.porosity_map(p, { start_um = 30, depth_um = 30 })
  local d = tl.porosity_difference(m1.porosity, m2.porosity)
  T.near(d.difference:get(1, 1), 0, 1e-6)
  local el = tl.full(20, 4, 5, 0, { dtype = "u8", voxel_um = 5 })
  for z = 1, 10 do for y = 1, 4 do for x = 1, 5 do el:set(z, y, x, 1) end end end
  local b = tl.interface_porosity(p, el, { band_um = 10 })
  T.near(b.band, (2 + 3) / 10, 1e-12)  -- planes 9, 10: 2 and 3 pore columns of 5
  local hst = tl.porosity_histogram(p, { block_um = 20, bins = 4 })
  T.eq(#hst.edges, 5)
  T.raises(function() tl.porosity_profile(p, { roi = tl.full(20, 4, 5, 0, { dtype = "u8" }) }) end, "roi is empty")
end)

T.done()
