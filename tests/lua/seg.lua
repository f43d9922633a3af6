-- seg operators from Lua: the column pipeline on the analytic band against
-- its truth (with thresholds proposed from the data), bad input, labels,
-- morphology, filters, Otsu.
local T = require "tl.test"

local function map_mae(a, b, valid, scale)
  local _, ny, nx = a:shape()
  local s, n = 0, 0
  for y = 1, ny do for x = 1, nx do
    if valid:get(1, y, x) ~= 0 then s = s + math.abs(a:get(1, y, x) - b:get(1, y, x)) / scale; n = n + 1 end
  end end
  return s / n
end

for _, side in ipairs { "top", "bottom" } do
  T.case("column pipeline meets the analytic truth, " .. side .. " electrode, proposed thresholds", function()
    local c = tl.analytic_cell { nz = 56, ny = 40, nx = 40, noise = 0.1, seed = 3, electrode = side }
    local r = tl.threshold_columns(c.volume, { electrode = side })
    T.ok(r.thresholds.proposed)
    local v = tl.interfacial_voids(c.volume, r.li, { electrode = side })
    local k = tl.contact_map(c.volume, r.li, { electrode = side })
    local pp = 100 * math.abs(k.contact_pixels - c.contact_pixels) / (40 * 40)
    T.ok(pp < 1, "contact area off by " .. pp .. " pp")
    T.ok(math.abs(v.void_volume_um3 / c.void_volume_um3 - 1) < 0.05, "void volume " .. v.void_volume_um3 .. " vs " .. c.void_volume_um3)
    T.ok(math.abs(v.void_volume_subvoxel_um3 / c.void_volume_um3 - 1) < 0.05, "sub-voxel void volume " .. v.void_volume_subvoxel_um3)
    T.near(v.thresholds.void_level, 0.2, 0.15)
    T.ok(map_mae(r.thickness_um, c.thickness_um, c.has_li, 1.7) < 1, "thickness MAE >= 1 voxel")
    local both = (v.voids * c.pores):stats()
    T.eq(both.max, 0, "a pore was counted as an interfacial void")
    T.near(k.contact_mm2, k.contact_pixels * 1.7 * 1.7e-6, 1e-9)
  end)
end

-- The phantom module's synthetic cell (air around a cylindrical cell,
-- interphase, impurities, pores 6 µm from the pellet faces, exact partial
-- volume), every threshold proposed. Its voids are mostly thinner than a
-- voxel, so the voxel-count void volume is only checked to 20% here
-- (measured +13%, docs/segmentation.md).
T.case("column pipeline on the synthetic cell (tl.phantom), both electrodes", function()
  if not (tl.phantom and tl.phantom.cell) then print("skip: tl.phantom.cell not built in") return end
  local cell = tl.phantom.cell { nz = 100, ny = 64, nx = 64, li_thickness = 30, pellet_thickness = 70, seed = 5 }
  local t = cell:truth()
  local mu, labels = cell:mu(), cell:labels()
  for _, side in ipairs { "top", "bottom" } do
    local zr = side == "top" and { 1, 50 } or { 51, 100 }
    local band = mu:crop { z = zr }
    local L = tl.threshold_columns(band, { electrode = side })
    local V = tl.interfacial_voids(band, L.li, { electrode = side })
    local C = tl.contact_map(band, L.li, { electrode = side })
    local pp = 100 * (C.contact_mm2 - t["contact_area_" .. side .. "_mm2"]) / t.cell_area_mm2
    T.ok(math.abs(pp) < 1, side .. ": contact area off by " .. pp .. " pp of the cell")
    T.ok(math.abs(V.void_volume_um3 / t["void_volume_" .. side .. "_um3"] - 1) < 0.2, side .. ": void volume")
    T.eq((V.voids * labels:crop { z = zr }:eq(5)):stats().max, 0, side .. ": a pore was taken for a void")
    local lt, mae, n = t["li_thickness_" .. side], 0, 0
    local _, ny, nx = lt:shape()
    for y = 1, ny do for x = 1, nx do
      if lt:get(1, y, x) > 0 then
        mae = mae + math.abs(L.thickness_um:get(1, y, x) - V.height_um:get(1, y, x) - lt:get(1, y, x)) / 1.7
        n = n + 1
      end
    end end
    T.ok(mae / n < 1, side .. ": Li thickness MAE " .. mae / n .. " voxels")
    -- sub-voxel: partial volume at both ends (measured MAE 0.65 -> 0.28 voxel on top, 0.56 -> 0.37 on the bottom)
    local S = tl.li_thickness(band, L.li, V.voids, { electrode = side })
    local smae = map_mae(S.thickness_um, lt, lt:ge(0.001), 1.7)
    T.ok(smae < 0.4 and smae < 0.7 * mae / n, side .. ": sub-voxel Li thickness MAE " .. smae .. " voxels")
    T.ok(S.levels.partner_level > S.levels.li_level and S.levels.proposed)
    -- the same maps and sums with one thread and with two
    local I2 = tl.interphase(band, L.li, V.voids, { electrode = side })
    local before = tl.threads()
    tl.threads(1)
    local S1 = tl.li_thickness(band, L.li, V.voids, { electrode = side })
    local I1 = tl.interphase(band, L.li, V.voids, { electrode = side })
    tl.threads(before)
    T.eq(tl.compare(S1.thickness_um, S.thickness_um).max_abs, 0, side .. ": li_thickness 1 vs 2 threads")
    T.eq(S1.li_volume_um3, S.li_volume_um3)
    T.eq(I1.mean_um, I2.mean_um, side .. ": interphase 1 vs 2 threads")
    T.eq(I1.levels.interphase_level, I2.levels.interphase_level)
  end
end)

-- li_thickness on hand-made columns: one voxel holds 30% Li against the
-- steel, one 60% against the partner, one 25% against a void.
T.case("li_thickness: partial volume at the collector, the partner and a void", function()
  local v = tl.full(8, 1, 2, 2.0)      -- Li level 2 everywhere to start
  for x = 1, 2 do
    v:set(1, 1, x, 40); v:set(2, 1, x, 0.3 * 2 + 0.7 * 40)   -- steel, then 30% Li
  end
  -- column 1: Li to z = 5, then 60% Li / 40% partner (level 6), then partner
  v:set(6, 1, 1, 0.6 * 2 + 0.4 * 6); v:set(7, 1, 1, 6); v:set(8, 1, 1, 6)
  -- column 2: Li to z = 4, 25% Li / 75% void (level 0), void, then partner
  v:set(5, 1, 2, 0.25 * 2); v:set(6, 1, 2, 0); v:set(7, 1, 2, 6); v:set(8, 1, 2, 6)
  local li, voids = tl.full(8, 1, 2, 0):astype("u8"), tl.full(8, 1, 2, 0):astype("u8")
  for z = 2, 6 do li:set(z, 1, 1, 1) end
  for z = 2, 6 do li:set(z, 1, 2, 1) end
  voids:set(5, 1, 2, 1); voids:set(6, 1, 2, 1)
  local r = tl.li_thickness(v, li, voids, { electrode = "top", li_level = 2, steel_level = 40, void_level = 0, partner_level = 6 })
  local dz = v:voxel()
  T.near(r.thickness_um:get(1, 1, 1) / dz, 0.3 + 3 + 0.6, 1e-5)
  T.near(r.thickness_um:get(1, 1, 2) / dz, 0.3 + 2 + 0.25, 1e-5)
  -- the partner level is found from the data when not given
  local r2 = tl.li_thickness(v, li, voids, { electrode = "top", li_level = 2, steel_level = 40, void_level = 0 })
  T.near(r2.levels.partner_level, 6, 1e-6)
  -- a contact map (a classifier's) overrides the void mask: column 2 in contact holds no void,
  -- its Li runs to the end of the run, the last voxel unmixed against the partner
  local contact = tl.full(1, 1, 2, 0, { dtype = "u8" })
  contact:set(1, 1, 2, 1)
  local rc = tl.li_thickness(v, li, voids, { electrode = "top", li_level = 2, steel_level = 40, void_level = 0,
    partner_level = 6, contact = contact })
  T.near(rc.thickness_um:get(1, 1, 1) / dz, 0.3 + 3 + 0.6, 1e-5)
  T.near(rc.thickness_um:get(1, 1, 2) / dz, 0.3 + 2 + 1 + 1, 1e-5)
  T.raises(function() tl.li_thickness(v, li, voids, { li_level = 2, steel_level = 40, contact = tl.full(1, 2, 2, 0, { dtype = "u8" }) }) end,
    "contact must be a u8 (y, x) map of the band's")
  T.raises(function() tl.li_thickness(v, li, voids, { li_level = 2, steel_level = 1 }) end, "steel_level")
  T.raises(function() tl.li_thickness(v, li:crop { z = { 1, 4 } }, nil, { li_level = 2, steel_level = 40 }) end, "shape")
  T.raises(function() tl.li_thickness(v, tl.full(8, 1, 2, 0, { dtype = "u8" }), nil, { li_level = 2, steel_level = 40 }) end, "empty")
end)

-- interphase on hand-made columns (levels Li 2, void 0, interphase 6,
-- electrolyte 10): 1.5 voxels of interphase after the Li, and after a void.
T.case("interphase: the electrolyte deficit past the Li and past a void", function()
  local cols = {
    { 40, 2, 2, 2, 2, 6, 8, 10, 10, 10, 10, 10 },   -- Li to z5, interphase z6, half z7
    { 40, 2, 2, 2, 0, 0, 3, 6, 10, 10, 10, 10 },    -- void z5-6, half interphase z7, interphase z8
  }
  local v = tl.full(12, 1, 2, 0)
  local li, voids = tl.full(12, 1, 2, 0, { dtype = "u8" }), tl.full(12, 1, 2, 0, { dtype = "u8" })
  for x = 1, 2 do for z = 1, 12 do v:set(z, 1, x, cols[x][z]) end end
  for z = 2, 5 do li:set(z, 1, 1, 1) end
  for z = 2, 7 do li:set(z, 1, 2, 1) end
  voids:set(5, 1, 2, 1); voids:set(6, 1, 2, 1)
  local r = tl.interphase(v, li, voids, { li_level = 2, void_level = 0, interphase_level = 6, electrolyte_level = 10 })
  local dz = v:voxel()
  T.near(r.thickness_um:get(1, 1, 1) / dz, 1.5, 1e-6)
  T.near(r.thickness_um:get(1, 1, 2) / dz, 1.5, 1e-6)
  T.near(r.mean_um / dz, 1.5, 1e-6)
  T.eq(r.columns, 2)
  -- with a contact map (a classifier's), column 2's void is ignored: the zone starts at the
  -- Li boundary (z7, 3 = 3/4 Li) and runs to z9: (7 + 4 + 0 - 0.75 * 8) / 4 = 1.25 voxels
  local contact = tl.full(1, 1, 2, 0, { dtype = "u8" })
  contact:set(1, 1, 2, 1)
  local rc = tl.interphase(v, li, voids, { li_level = 2, void_level = 0, interphase_level = 6, electrolyte_level = 10,
    contact = contact })
  T.near(rc.thickness_um:get(1, 1, 1) / dz, 1.5, 1e-6)
  T.near(rc.thickness_um:get(1, 1, 2) / dz, 1.25, 1e-6)
  T.raises(function() tl.interphase(v, li, voids, { li_level = 2, contact = tl.full(2, 1, 2, 0, { dtype = "u8" }) }) end,
    "2D map")
  -- levels from the data: the electrolyte past the layer, the interphase from a 3-voxel layer's interior
  local w = tl.full(12, 1, 1, 10)
  local lw = tl.full(12, 1, 1, 0, { dtype = "u8" })
  for z, val in ipairs { 40, 2, 2, 2, 6, 6, 6, 10 } do w:set(z, 1, 1, val) end
  for z = 2, 4 do lw:set(z, 1, 1, 1) end
  local e = tl.interphase(w, lw, nil, { li_level = 2 })
  T.near(e.levels.interphase_level, 6, 1e-6)
  T.near(e.levels.electrolyte_level, 10, 1e-6)
  T.eq(e.levels.interior_voxels, 1)
  T.near(e.mean_um / dz, 3, 1e-6)
  T.raises(function() tl.interphase(v, li, voids, { li_level = 2, interphase_level = 1 }) end, "interphase_level")
  T.raises(function() tl.interphase(v, li:crop { z = { 1, 6 } }, nil, { li_level = 2 }) end, "shape")
end)

-- interfacial voids on hand-made top-electrode columns (steel 40 at z1, Li 2,
-- void 0, interphase 5 below li_max, electrolyte 10): Li stripped through to
-- the steel; a thin Li layer left between a deep void and the steel; a void
-- behind an interphase that sits in the Li mask.
T.case("interfacial_voids: stripped to the steel, thin Li on the steel, interphase in the Li mask", function()
  local cols = {
    { 40, 0, 0, 0, 0, 0, 5, 10, 10, 10, 10, 10, 10, 10, 10, 10 },
    { 40, 2, 0, 0, 0, 0, 0, 5, 10, 10, 10, 10, 10, 10, 10, 10 },
    { 40, 2, 2, 2, 2, 2, 0, 0, 5, 5, 5, 5, 5, 10, 10, 10 },
  }
  local li_to = { 7, 8, 13 }
  local v = tl.full(16, 1, 3, 0)
  local li = tl.full(16, 1, 3, 0, { dtype = "u8" })
  for x = 1, 3 do
    for z = 1, 16 do v:set(z, 1, x, cols[x][z]) end
    for z = 2, li_to[x] do li:set(z, 1, x, 1) end
  end
  local r = tl.interfacial_voids(v, li, { electrode = "top", void_max = 1, sse_min = 8, li_level = 2, void_level = 0 })
  T.eq(r.height_vox:get(1, 1, 1), 5, "stripped through to the steel: the whole run is void")
  T.eq(r.height_vox:get(1, 1, 2), 5, "thin Li on the steel: judged by the Li, not the steel behind it")
  T.eq(r.height_vox:get(1, 1, 3), 2, "a void behind an interphase in the Li mask")
  -- without a Li level the interphase counts as solid Li and the walk stops before the void
  local r2 = tl.interfacial_voids(v, li, { electrode = "top", void_max = 1, sse_min = 8 })
  T.eq(r2.height_vox:get(1, 1, 3), 0)
  T.eq(r2.height_vox:get(1, 1, 1), 5)
end)

-- a deep void with one noisy voxel inside (above void_max): the window from
-- it is still darker than the Li/void midpoint, so the run goes on
T.case("interfacial_voids: a noisy voxel inside a deep void does not end it", function()
  local col = { 40, 2, 2, 2, 2, 0, 0, 0, 1.2, 0, 0, 0, 10, 10, 10, 10 }
  local v = tl.full(16, 1, 1, 0)
  local li = tl.full(16, 1, 1, 0, { dtype = "u8" })
  for z = 1, 16 do v:set(z, 1, 1, col[z]) end
  for z = 2, 12 do li:set(z, 1, 1, 1) end
  local r = tl.interfacial_voids(v, li, { electrode = "top", void_max = 1, sse_min = 8, li_level = 2, void_level = 0 })
  T.eq(r.height_vox:get(1, 1, 1), 7)
  -- without levels (no midpoint known) the paper's rule alone: the run ends at the noisy voxel
  local r2 = tl.interfacial_voids(v, li, { electrode = "top", void_max = 1, sse_min = 8 })
  T.eq(r2.height_vox:get(1, 1, 1), 3)
end)

-- edge_profiles on hand-made columns: Li ends at different heights; every
-- channel holds the same place relative to each column's last Li voxel
T.case("edge_profiles: columns aligned at the end of their Li run, scaled, both electrodes", function()
  local nz = 12
  local v = tl.full(nz, 1, 3, 0)
  local li = tl.full(nz, 1, 3, 0, { dtype = "u8" })
  local ends = { 6, 9, 0 }                    -- last Li voxel (z, 1-based); column 3 has no Li
  for x = 1, 3 do
    for z = 1, nz do v:set(z, 1, x, 100 * x + z) end
    for z = 2, ends[x] do li:set(z, 1, x, 1) end
  end
  local p = tl.edge_profiles(v, li, { electrode = "top", before = 2, after = 4, fill = -1 })
  local k, ny, nx = p:shape()
  T.eq(k, 7); T.eq(ny, 1); T.eq(nx, 3)
  for j = 1, 7 do
    T.eq(p:get(j, 1, 1), 100 + math.min(6 - 3 + j, nz))
    T.eq(p:get(j, 1, 2), 200 + math.min(9 - 3 + j, nz), "past the column's end the last voxel repeats")
    T.eq(p:get(j, 1, 3), -1, "no Li: fill")
  end
  -- scaled: void level 100 -> 0, Li level 110 -> 1
  local q = tl.edge_profiles(v, li, { electrode = "top", before = 2, after = 0, li_level = 110, void_level = 100 })
  T.near(q:get(3, 1, 1), 0.6, 1e-6)
  -- the bottom electrode walks -z: its "last" Li voxel is the lowest one
  local lb = tl.full(nz, 1, 3, 0, { dtype = "u8" })
  for z = 5, 11 do lb:set(z, 1, 1, 1) end
  local b = tl.edge_profiles(v, lb, { electrode = "bottom", before = 1, after = 2 })
  T.eq(b:get(1, 1, 1), 106); T.eq(b:get(2, 1, 1), 105); T.eq(b:get(3, 1, 1), 104); T.eq(b:get(4, 1, 1), 103)
  T.raises(function() tl.edge_profiles(v, li:crop { z = { 1, 6 } }) end, "shape")
  T.raises(function() tl.edge_profiles(v, li, { li_level = 2 }) end, "li_level (2) and void_level (nan) go together")
  T.raises(function() tl.edge_profiles(v:slice("z", 1), li) end, "3D")
  local bad = v:copy()
  bad:set(3, 1, 1, 0 / 0)
  T.raises(function() tl.edge_profiles(bad, li) end, "NaN")
end)

T.case("gaussian with a mask averages inside it only", function()
  local v = tl.full(3, 1, 6, 0)
  for z = 1, 3 do for x = 4, 6 do v:set(z, 1, x, 10) end end
  local m = tl.full(1, 1, 6, 0):astype("u8")
  for x = 4, 6 do m:set(1, 1, x, 1) end
  local g = tl.gaussian(v, { sigma_um = 2, sigma_z_um = 0, mask = m })
  for x = 4, 6 do T.near(g:get(2, 1, x), 10, 1e-5, "inside keeps its level at the rim") end
  T.eq(g:get(2, 1, 1), 0, "outside is left as it was")
  T.ok(tl.gaussian(v, { sigma_um = 2, sigma_z_um = 0 }):get(2, 1, 4) < 9, "an unmasked blur darkens the rim")
  T.raises(function() tl.gaussian(v, { sigma_um = 1, mask = tl.full(1, 2, 6, 0):astype("u8") }) end, "mask of shape")
end)

T.case("thresholds: proposal and explicit values agree on the band", function()
  local c = tl.analytic_cell { nz = 48, ny = 24, nx = 24, noise = 0.05 }
  local th = tl.propose_thresholds(c.volume)
  T.ok(th.li_max > 1.5 and th.li_max < 2.5, "li_max " .. th.li_max)
  T.ok(th.sse_min > 2.6 and th.sse_min < 2.95, "sse_min " .. th.sse_min)
  T.ok(th.void_max > 0.3 and th.void_max < 0.95, "void_max " .. th.void_max)
  T.near(th.li_level, 1.0, 0.03)
  -- contact's cut-off: the same false-void chance per column of 5 voxels as per voxel
  -- (scipy: -norm.ppf(norm.cdf(-3) / 5) = 3.46011, / 10 -> 3.64252)
  T.near(th.k_contact, 3.4601077821509847, 1e-9)
  T.near(th.contact_void_max, th.li_level - th.k_contact * th.li_spread, 1e-12)
  T.near(tl.propose_thresholds(c.volume, { depth = 10 }).k_contact, 3.6425222758316242, 1e-9)
  local a = tl.threshold_columns(c.volume, { li_max = 2, sse_min = 2.8, steel_min = 5.5 })
  local b = tl.threshold_columns(c.volume)
  T.eq(a.li_voxels, b.li_voxels)
  T.eq(a.thresholds.proposed, false)
  local o = tl.otsu(c.volume, { classes = 3 })
  T.eq(#o.thresholds, 2)
  T.ok(o.thresholds[1] < o.thresholds[2])
end)

T.case("bad input gives clear errors", function()
  local c = tl.analytic_cell { nz = 48, ny = 16, nx = 16 }
  local r = tl.threshold_columns(c.volume, { li_max = 2, sse_min = 2.8, steel_min = 5.5 })
  local other = tl.full(48, 16, 15, 0, { dtype = "u8" })
  T.raises(function() tl.interfacial_voids(c.volume, other, { void_max = 0.6, sse_min = 2.8 }) end, "(48, 16, 15)")
  T.raises(function() tl.contact_map(c.volume, other, { void_max = 0.6 }) end, "(48, 16, 15)")
  T.raises(function() tl.interfacial_voids(c.volume, r.li, { void_max = 3, sse_min = 2.8 }) end, "void_max (3) must be below sse_min (2.8)")
  local empty = tl.full(48, 16, 16, 0, { dtype = "u8" })
  T.raises(function() tl.contact_map(c.volume, empty, { void_max = 0.6 }) end, "li mask is empty")
  T.raises(function() tl.threshold_columns(tl.full(1, 16, 16, 1)) end, "must be a 3D volume")
  T.raises(function() tl.threshold_columns(c.volume, { electrode = "left" }) end, "top bottom")
  -- the column operators report NaN in every voxel they read: one in the
  -- lithium (read by threshold_columns), one in the electrolyte (voids)
  local nan = c.volume:copy()
  nan:set(10, 8, 8, 0 / 0)
  nan:set(40, 8, 8, 0 / 0)
  T.raises(function() tl.threshold_columns(nan, { li_max = 2, sse_min = 2.8, steel_min = 5.5 }) end, "NaN")
  T.raises(function() tl.interfacial_voids(nan, r.li, { void_max = 0.6, sse_min = 2.8 }) end, "NaN")
  T.raises(function() tl.label(c.volume) end, "u8")
end)

T.case("label: raster numbering, connectivity, region_stats", function()
  local m = tl.full(3, 4, 5, 0, { dtype = "u8", voxel_um = 2 })
  m:set(1, 1, 1, 1); m:set(2, 2, 2, 1)   -- diagonal: one object in 26, two in 6
  m:set(3, 4, 5, 1)
  local l6, l26 = tl.label(m, { connectivity = 6 }), tl.label(m)
  T.eq(l6.count, 3); T.eq(l26.count, 2)
  T.eq(l26.labels:get(1, 1, 1), 1); T.eq(l26.labels:get(2, 2, 2), 1); T.eq(l26.labels:get(3, 4, 5), 2)
  local s = tl.region_stats(l26.labels, l26.labels)
  T.eq(s.count, 2); T.eq(s.voxels[1], 2); T.near(s.volume_um3[1], 16)
  T.eq(s.z_min[1], 1); T.eq(s.z_max[1], 2); T.near(s.mean_intensity[2], 2)
  T.near(s.centroid_z_um[2], 5)  -- voxel 3 centre: (3 - 0.5) * 2 µm
end)

T.case("morphology and filters", function()
  local m = tl.full(9, 9, 9, 0, { dtype = "u8" })
  m:set(5, 5, 5, 1)
  local d = tl.dilate(m, { radius = 2 })
  local function count(v) return math.floor(v:stats().mean * 729 + 0.5) end
  T.eq(count(d), 33)  -- lattice points in a ball of radius 2
  T.eq(count(tl.erode(d, { radius = 2 })), 1)
  T.eq(tl.opening(m, { radius = 1 }):stats().max, 0)
  local big = tl.remove_small(d, { min_um3 = 34 })
  T.eq(big.removed, 1)
  local v = tl.full(5, 5, 5, 2)
  v:set(3, 3, 3, 50)
  T.eq(tl.median3d(v):get(3, 3, 3), 2)
  T.near(tl.gaussian(tl.full(5, 5, 5, 3), { sigma_um = 1.5 }):get(2, 3, 4), 3, 1e-6)
end)

T.case("median3d with radius_z = 0 filters each z-slice in (y, x) only", function()
  local v = tl.full(6, 5, 5, 0)
  for z = 4, 6 do for y = 1, 5 do for x = 1, 5 do v:set(z, y, x, 10) end end end
  v:set(2, 3, 3, 99)                                  -- an outlier inside one slice
  local m = tl.median3d(v, { radius = 1, radius_z = 0 })
  T.eq(m:get(2, 3, 3), 0)                             -- removed by its slice's neighbours
  T.eq(m:get(3, 3, 3), 0); T.eq(m:get(4, 3, 3), 10)   -- the z-step stays where it was
  local c = tl.median3d(v, { radius = 1 })            -- the cube mixes slices 3..5
  T.eq(c:get(4, 3, 3), 10); T.eq(c:get(3, 3, 3), 0)
  T.raises(function() tl.median3d(v, { radius = 1, radius_z = 6 }) end, "must be <= 5")
end)

T.done()
