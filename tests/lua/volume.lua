-- Volumes from Lua: construction, printing, access, methods, maths, errors, GC.
local T = require "tl.test"

T.case("full, shape, dtype, voxel", function()
  local v = tl.full(4, 5, 6, 2.5, { voxel_um = { 1.7, 1.5, 1.5 } })
  local nz, ny, nx = v:shape()
  T.eq(nz, 4); T.eq(ny, 5); T.eq(nx, 6)
  T.eq(v:dtype(), "f32")
  local z, y, x = v:voxel()
  T.near(z, 1.7); T.near(y, 1.5); T.near(x, 1.5)
  T.eq(v:get(4, 5, 6), 2.5)
  T.eq(#v, 120)
end)

T.case("tostring shows shape, dtype, µm and size, never voxels", function()
  local s = tostring(tl.full(10, 100, 100, 0, { voxel_um = 1.7 }))
  T.eq(s, "volume (10, 100, 100) f32, voxel 1.7 x 1.7 x 1.7 µm, 0.4 MB")
  T.eq(tostring(tl.full(1, 4, 5, 0, { dtype = "u8" })), "map (4, 5) u8, pixel 1 x 1 µm, 0.0 kB")
end)

T.case("get/set are 1-based and checked", function()
  local v = tl.full(2, 3, 4, 0, { dtype = "u16" })
  v:set(2, 3, 4, 70000)
  T.eq(v:get(2, 3, 4), 65535) -- clamped to u16
  T.raises(function() v:get(3, 1, 1) end, "z index 3 is outside 1..2")
  T.raises(function() v:get(0, 1, 1) end, "z index 0 is outside 1..2")
  local m = tl.full(1, 3, 4)
  m:set(2, 3, 1.25)
  T.eq(m:get(2, 3), 1.25)
end)

T.case("crop, slice, astype, copy, stats", function()
  local v = tl.full(5, 6, 7, 0)
  for z = 1, 5 do for y = 1, 6 do for x = 1, 7 do v:set(z, y, x, z * 100 + y * 10 + x) end end end
  local c = v:crop { z = { 2, 3 }, x = { 4, 7 } }
  local nz, ny, nx = c:shape()
  T.eq(nz, 2); T.eq(ny, 6); T.eq(nx, 4)
  T.eq(c:get(1, 1, 1), 214)
  local s = v:slice("y", 2)
  T.eq(s:get(5, 7), 527)
  local b = v:astype("u8", { scale = 0.5 })
  T.eq(b:dtype(), "u8"); T.eq(b:get(1, 1, 1), 56) -- 111 * 0.5 = 55.5 rounds to even 56
  local d = v:copy(); d:set(1, 1, 1, -1)
  T.eq(v:get(1, 1, 1), 111)
  local st = v:stats { bins = 4 }
  T.eq(st.min, 111); T.eq(st.max, 567); T.eq(st.count, 210)
  T.eq(#st.hist, 4); T.eq(#st.edges, 5)
  T.raises(function() v:crop { z = { 4, 9 } } end, "outside the volume (5, 6, 7)")
end)

T.case("element-wise maths and comparison masks", function()
  local a, b = tl.full(2, 2, 2, 3), tl.full(2, 2, 2, 4)
  T.eq((a + b):get(1, 1, 1), 7)
  T.eq((a * 2 - 1):get(2, 2, 2), 5)
  T.eq((12 / b):get(1, 2, 1), 3)
  T.eq((-a):get(1, 1, 1), -3)
  local m = a:lt(b)
  T.eq(m:dtype(), "u8"); T.eq(m:get(1, 1, 1), 1)
  T.eq(b:ge(5):get(1, 1, 1), 0)
  T.raises(function() return a + tl.full(2, 2, 3) end, "shape mismatch: left operand is (2, 2, 2) but right operand is (2, 2, 3)")
  T.raises(function() return a + "x" end, "volume arithmetic needs volumes or numbers")
end)

T.case("argument checking names the operator and argument", function()
  T.raises(function() tl.full("a", 2, 2) end, "bad argument 'nz' to 'full' (integer expected, got string)")
  T.raises(function() tl.full(2, 2) end, "full: argument 'nx' (integer) is required")
  T.raises(function() tl.full(2, 2, 2, { dtyp = "u8" }) end, "'full' has no option 'dtyp'")
  T.raises(function() tl.full(2, 2, 2, 0 / 0) end, "full: argument 'value' is NaN")
  T.raises(function() tl.full(0, 2, 2) end, "full: argument 'nz' must be >= 1 (got 0)")
  T.raises(function() tl.full(2, 2, 2, { dtype = "f16" }) end, "must be one of: u8 u16 i32 f32 f64 (got 'f16')")
  T.raises(function() tl.astype(tl.full(1, 1, 1), "u8", { scale = "2" }) end, "bad argument 'scale' to 'astype' (number expected, got string)")
  T.raises(function() tl.crop(tl.full(2, 2, 2), { z = { 1.5, 2 } }) end, "range {a, b} of two integers expected")
  T.raises(function() tl.full(2, 2, 2, 1, 5) end, "too many arguments")
  T.raises(function() tl.stats(tl.full(2, 2, 2), { mask = tl.full(2, 2, 2) }) end, "argument 'mask' must be a u8 volume, got f32")
  T.raises(function() tl.stats(tl.full(2, 2, 2), { mask = tl.full(2, 2, 2, 0, { dtype = "u8" }) }) end, "empty mask")
end)

T.case("close makes a volume unusable, not a crash", function()
  local v = tl.full(2, 2, 2)
  v:close()
  T.eq(tostring(v), "volume (closed)")
  T.raises(function() v:get(1, 1, 1) end, "closed volume")
end)

T.case("GC keeps up with large volumes (C memory is accounted)", function()
  local mb = os.getenv("TL_SANITIZE") and 32 or 200
  local n = mb * 1000000 / 4
  local peak = 0
  for _ = 1, 100 do
    local v = tl.full(1, 1, math.floor(n))
    v:set(1, 1, 1, 1)
    peak = math.max(peak, tl.memory_mb())
  end
  T.ok(peak < 12 * mb, string.format("live volume memory peaked at %.0f MB for 100 volumes of %d MB", peak, mb))
end)

T.case("profile along z, y, x with and without a mask", function()
  local v = tl.full(3, 2, 4, 0, { voxel_um = { 2, 1, 1 } })
  for z = 1, 3 do for y = 1, 2 do for x = 1, 4 do v:set(z, y, x, z * 10 + x) end end end
  local p = v:profile()
  T.eq(#p.mean, 3); T.near(p.mean[2], 22.5); T.near(p.std[2], math.sqrt(1.25)); T.near(p.position_um[3], 5)
  T.eq(p.count[1], 8)
  local px = v:profile { axis = "x" }
  T.near(px.mean[4], 24)
  local m = v:gt(23)
  local pm = v:profile { mask = m }
  T.near(pm.mean[2], 24); T.ok(pm.mean[1] ~= pm.mean[1], "an empty slice gives NaN")
  local big = tl.full(40, 60, 70, 0)
  for z = 1, 40, 3 do for y = 1, 60, 7 do big:set(z, y, (z * y) % 70 + 1, 0.1 * z + 1e-7 * y) end end
  local n0 = tl.threads()
  tl.threads(1); local a = big:profile { axis = "y" }
  tl.threads(2); local b = big:profile { axis = "y" }
  tl.threads(n0)
  for i = 1, 60 do T.eq(a.mean[i], b.mean[i]); T.eq(a.std[i], b.std[i]) end
end)

T.case("compare: error metrics and mask overlap", function()
  local a, b = tl.full(1, 2, 3, 0), tl.full(1, 2, 3, 0)
  local xs, ys = { 1, 2, 3, 4, 5, 6 }, { 1, 2, 3, 4, 5, 9 }
  for i = 1, 6 do a:set((i - 1) // 3 + 1, (i - 1) % 3 + 1, xs[i]); b:set((i - 1) // 3 + 1, (i - 1) % 3 + 1, ys[i]) end
  local c = tl.compare(a, b)
  T.eq(c.count, 6); T.near(c.mae, 0.5); T.near(c.rmse, math.sqrt(1.5)); T.near(c.bias, -0.5); T.eq(c.max_abs, 3)
  -- Pearson by hand: x = 1..6, y = 1..5,9
  local mx, my = 3.5, 4
  local sxy, sxx, syy = 0, 0, 0
  for i = 1, 6 do sxy = sxy + (xs[i] - mx) * (ys[i] - my); sxx = sxx + (xs[i] - mx) ^ 2; syy = syy + (ys[i] - my) ^ 2 end
  T.near(c.correlation, sxy / math.sqrt(sxx * syy), 1e-12)
  local m1, m2 = a:gt(2), b:gt(3) -- {3,4,5,6} vs {4,5,6}
  local o = tl.compare(m1, m2)
  T.near(o.iou, 3 / 4); T.near(o.dice, 6 / 7); T.near(o.accuracy, 5 / 6)
  T.raises(function() tl.compare(a, tl.full(1, 3, 2)) end, "shape mismatch: measured is (1, 2, 3) but reference is (1, 3, 2)")
  T.raises(function() tl.compare(a, b, { mask = tl.full(1, 2, 3, 0, { dtype = "u8" }) }) end, "no voxel to compare")
end)

T.case("stack maps along z", function()
  local a, b = tl.full(1, 2, 3, 1), tl.full(2, 2, 3, 2)
  local s = tl.stack { a, b }
  local nz = s:shape()
  T.eq(nz, 3); T.eq(s:get(1, 2, 3), 1); T.eq(s:get(3, 1, 1), 2)
  T.raises(function() tl.stack { a, tl.full(1, 3, 3) } end, "item 2 is (1, 3, 3) f32 but item 1 is (1, 2, 3) f32")
  T.raises(function() tl.stack {} end, "no volumes given")
  T.raises(function() tl.stack { a, 5 } end, "item 2 is not a volume (it is of type integer)")
end)

T.case("zproject: max, min, mean, sum, std per column", function()
  local v = tl.full(3, 1, 2, 0)
  v:set(1, 1, 1, 1); v:set(2, 1, 1, 5); v:set(3, 1, 1, 3)
  T.eq(v:zproject():get(1, 1), 5)
  T.eq(v:zproject { stat = "min" }:get(1, 1), 1)
  T.near(v:zproject { stat = "mean" }:get(1, 1), 3, 1e-6)
  T.eq(v:zproject { stat = "sum" }:get(1, 1), 9)
  T.near(v:zproject { stat = "std" }:get(1, 1), math.sqrt(8 / 3), 1e-6)
  T.eq(v:zproject { z = { 1, 1 } }:get(1, 1), 1)
  T.raises(function() v:zproject { z = { 2, 4 } } end, "z range {2, 4} is outside 1..3")
end)

T.case("threads and clock", function()
  local n = tl.threads()
  T.ok(n >= 1)
  T.eq(tl.threads(1), 1)
  tl.threads(n)
  local t0 = tl.clock()
  T.ok(tl.clock() >= t0)
end)

T.done()
