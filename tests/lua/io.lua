-- File I/O from Lua: every format round-trips, crops come from the file,
-- provenance reads back as a table, saves are atomic, bad input is named.
local T = require "tl.test"
local dir = T.tmpdir()

local function ramp(nz, ny, nx, dtype)
  local v = tl.full(nz, ny, nx, 0, { dtype = dtype or "f32", voxel_um = { 2, 0.5, 0.25 } })
  for z = 1, nz do for y = 1, ny do for x = 1, nx do
    v:set(z, y, x, 100 * z + 10 * y + x)
  end end end
  return v
end

local function same(a, b, z0, y0, x0)
  local nz, ny, nx = a:shape()
  for z = 1, nz do for y = 1, ny do for x = 1, nx do
    local p, q = a:get(z, y, x), b:get(z + (z0 or 0), y + (y0 or 0), x + (x0 or 0))
    if p ~= q then error(string.format("voxel (%d, %d, %d): %g vs %g", z, y, x, p, q), 2) end
  end end end
end

local function entries(d)
  local f = io.popen("ls -A '" .. d .. "'")
  local n = 0
  for _ in f:lines() do n = n + 1 end
  f:close()
  return n
end

T.case("every format round-trips, whole and cropped", function()
  for _, ext in ipairs { ".h5", ".tif", ".npy", ".raw", "_slices/" } do
    for _, dt in ipairs { "u8", "u16", "i32", "f32" } do
      local v = ramp(4, 5, 6, dt)
      local path = dir .. "/rt_" .. dt .. ext
      T.eq(v:save(path), path)
      local w = tl.load(path)
      T.eq(w:dtype(), dt)
      same(w, v)
      local z, y, x = w:voxel()
      T.near(z, 2); T.near(y, 0.5, 1e-6); T.near(x, 0.25, 1e-6)
      local c = tl.load(path, { z = { 2, 3 }, y = { 5, 5 }, x = { 2, 6 } })
      local nz, ny, nx = c:shape()
      T.eq(nz, 2); T.eq(ny, 1); T.eq(nx, 5)
      same(c, v, 1, 4, 1)
    end
  end
end)

T.case("big-endian TIFF, npy and raw", function()
  local v = ramp(2, 3, 4, "u16")
  for _, ext in ipairs { ".tif", ".npy", ".raw" } do
    local path = dir .. "/be" .. ext
    tl.save(v, path, { byteorder = "big" })
    same(tl.load(path), v)
  end
  local f = io.open(dir .. "/be.tif", "rb")
  T.eq(f:read(2), "MM")
  f:close()
  -- a raw file read with an explicit layout, big-endian, with a header to skip
  local g = io.open(dir .. "/hdr.bin", "wb")
  g:write("HDR!", string.pack(">i2>i2>i2>i2>i2>i2", -3, -2, -1, 0, 1, 2))
  g:close()
  local r = tl.load(dir .. "/hdr.bin", { shape = { 2, 3 }, dtype = "i16", byteorder = "big", offset = 4 })
  T.eq(r:dtype(), "i32")
  T.eq(r:get(1, 1, 1), -3); T.eq(r:get(1, 2, 3), 2)
end)

T.case("PNG maps: grey as is, colormap over a range", function()
  local m = ramp(1, 3, 4, "u8")
  m:save(dir .. "/m.png")
  same(tl.load(dir .. "/m.png"), m)
  local f = ramp(1, 3, 4, "f32")
  f:save(dir .. "/g.png", { range = { 111, 134 } })
  local g = tl.load(dir .. "/g.png")
  T.eq(g:get(1, 1, 1), 0); T.eq(g:get(1, 3, 4), 255)
  f:save(dir .. "/v.png", { colormap = "viridis", range = { 0, 200 } })
  T.raises(function() tl.load(dir .. "/v.png") end, "is colour 8-bit")
end)

T.case("provenance reads back as a table", function()
  local src = dir .. "/src.npy"
  ramp(2, 2, 2):save(src)
  local v = tl.load(src)
  for _, out in ipairs { "p.h5", "p.tif", "p.npy", "p.png", "pdir/" } do
    local w = out == "p.png" and v:slice("z", 1):astype("u8") or v
    w:save(dir .. "/" .. out)
    local p = tl.provenance(dir .. "/" .. out)
    T.eq(p.version, tl.version)
    T.ok(p.created_utc:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), p.created_utc)
    T.eq(type(p.recipe.text), "string")
    T.ok(p.recipe.path:find("io.lua", 1, true), p.recipe.path)
    T.eq(type(p.parameters), "table")
    local found
    for _, input in ipairs(p.inputs) do
      if input.path:find("src.npy", 1, true) then found = input end
    end
    T.ok(found, "src.npy is listed as an input of " .. out)
    T.eq(#found.sha256, 64)
    T.near(p.voxel_um[1], 2)
  end
end)

T.case("saves are atomic: failures leave nothing behind", function()
  local d = T.tmpdir()
  local v = ramp(3, 4, 5)
  v:save(d .. "/a.h5")
  T.raises(function() v:save(d .. "/a.png") end, "holds a 2D map (nz = 1), but the volume has shape (3, 4, 5)")
  T.raises(function() v:astype("f64"):save(d .. "/b.tif") end, "not f64")
  T.eq(entries(d), 1)
  ramp(2, 2, 2, "u8"):save(d .. "/a.h5") -- replaces the whole file
  T.eq(tl.load(d .. "/a.h5"):dtype(), "u8")
  T.eq(entries(d), 1)
end)

T.case("bad input names the file, dataset, argument or shape", function()
  local v = ramp(3, 4, 5)
  v:save(dir .. "/bad.h5")
  T.raises(function() tl.load(dir .. "/missing.h5") end, "missing.h5': No such file or directory")
  T.raises(function() tl.load(dir .. "/bad.h5", { dataset = "/exchange/data" }) end,
    "dataset '/exchange/data' not found in '" .. dir .. "/bad.h5' (it holds: /volume (3, 4, 5))")
  T.raises(function() tl.load(dir .. "/bad.h5", { z = { 2, 9 } }) end, "crop z={2, 9} is outside")
  T.raises(function() tl.load(dir .. "/bad.h5", { z = { 3, 2 } }) end, "argument 'z' range {3, 2} must satisfy 1 <= a <= b")
  T.raises(function() tl.load(dir .. "/bad.h5", { z = "all" }) end, "bad argument 'z' to 'load' (range {a, b} expected, got string)")
  T.raises(function() tl.load(dir .. "/bad.h5", { dataset = 3 }) end, "bad argument 'dataset' to 'load' (string expected, got number)")
  T.raises(function() tl.load(dir .. "/bad.h5", { voxel_um = { 1, 0 / 0, 1 } }) end, "argument 'voxel_um' element 2 is NaN")
  T.raises(function() tl.load(dir .. "/bad.h5", { voxel_um = -1 }) end, "argument 'voxel_um' must be positive")
  T.raises(function() tl.load(dir .. "/bad.h5", { crop = { 1, 2 } }) end, "'load' has no option 'crop'")
  T.raises(function() tl.load(dir .. "/bad.h5", { offset = "ten" }) end, "bad argument 'offset' to 'load' (integer expected, got string)")
  local f = io.open(dir .. "/junk.h5", "wb"); f:write(("garbage"):rep(40)); f:close()
  T.raises(function() tl.load(dir .. "/junk.h5") end, "junk.h5' is not a readable HDF5 file")
  f = io.open(dir .. "/d.raw", "wb"); f:write(("\0"):rep(60)); f:close()
  T.raises(function() tl.load(dir .. "/d.raw") end, "needs shape={nz, ny, nx}")
  T.raises(function() tl.load(dir .. "/d.raw", { shape = { 2, 3, 4 }, dtype = "u16" }) end,
    "holds 60 bytes after the 0-byte offset, but shape (2, 3, 4) of u16 needs 48")
  T.raises(function() tl.load(dir .. "/d.raw", { shape = { 2, "x", 4 }, dtype = "u16" }) end, "bad argument 'shape' to 'load' (element 2 is string, number expected)")
  T.raises(function() tl.save(v, dir .. "/x.png") end, "shape (3, 4, 5)")
  T.raises(function() tl.save(v:slice("z", 1), dir .. "/x.png") end, "of a f32 map needs range = {lo, hi}")
  T.raises(function() tl.save(v:slice("z", 1), dir .. "/x.png", { range = { 0, 0 / 0 } }) end, "argument 'range' element 2 is NaN")
  T.raises(function() tl.save(v:slice("z", 1), dir .. "/x.png", { range = { 1, 1 } }) end, "lo < hi (got {1, 1})")
  T.raises(function() tl.save(v:slice("z", 1), dir .. "/x.png", { colormap = "jet", range = { 0, 1 } }) end,
    "argument 'colormap' must be one of: gray viridis (got 'jet')")
  T.raises(function() tl.save(v, dir .. "/no/such/x.npy") end, "folder '" .. dir .. "/no/such' does not exist")
  T.raises(function() tl.save(v, dir .. "/x.vtk") end, "cannot tell the format of '" .. dir .. "/x.vtk'")
  T.raises(function() tl.save(v, dir .. "/x.h5", { compression = 12 }) end, "argument 'compression' must be <= 9")
  T.raises(function() tl.provenance(dir .. "/d.raw") end, "d.raw' has no sidecar")
end)

T.case("the real Data Exchange file through tl.load, with crops", function()
  local path = T.shared("tomo/tooth.h5")
  if not path then return end
  local all = tl.load(path, { dataset = "/exchange/data" })
  local nz, ny, nx = all:shape()
  T.eq(nz, 181); T.eq(ny, 2); T.eq(nx, 640)
  local c = tl.load(path, { dataset = "/exchange/data", z = { 90, 92 }, y = { 2, 2 }, x = { 301, 340 } })
  same(c, all, 89, 1, 300)
  T.raises(function() tl.load(path, { dataset = "/exchange/theta" }) end, "dataset '/exchange/theta' in")
  T.raises(function() tl.load(path, { dataset = "/exchange/data", x = { 600, 700 } }) end,
    "dataset '/exchange/data' of shape (181, 2, 640): x runs 1..640")
end)

os.execute("rm -rf '" .. dir .. "'")
T.done()
