-- save_results / load_results: a table of results round-trips through HDF5.
local T = require "tl.test"
local dir = T.tmpdir()

T.case("round trip of maps, arrays, numbers, strings and nested tables", function()
  local m = tl.full(1, 4, 5, 2, { voxel_um = 1.7 })
  m:set(3, 4, 9)
  local v = tl.full(3, 2, 2, 1, { dtype = "u8" })
  local path = dir .. "/results.h5"
  tl.save_results({ title = "demo", n_scans = 4, ok = true, area = 0.61,
    contact = { area_mm2 = { 0.5, 0.4 }, map = m, scans = { "scan_1", "scan_2" } },
    mask = v, list = { { x = 1 }, { x = 2 } } }, path)
  local r = tl.load_results(path)
  T.eq(r.title, "demo"); T.eq(r.n_scans, 4); T.eq(r.ok, true); T.eq(r.area, 0.61)
  T.eq(r.contact.area_mm2[2], 0.4); T.eq(#r.contact.area_mm2, 2)
  T.eq(r.contact.scans[2], "scan_2")
  T.eq(r.contact.map:get(3, 4), 9)
  local z, y, x = r.contact.map:voxel()
  T.near(y, 1.7)
  T.eq(r.mask:dtype(), "u8"); T.eq(select(1, r.mask:shape()), 3)
  T.eq(r.list[2].x, 2)
end)

T.case("bad results and paths give clear errors", function()
  T.raises(function() tl.save_results({ a = print }, dir .. "/x.h5") end, "field 'a' is a function")
  T.raises(function() tl.save_results({ a = 1 }, "/nonexistent-dir/x.h5") end, "folder '/nonexistent-dir' does not exist")
  T.raises(function() tl.load_results(dir .. "/none.h5") end, "cannot open '" .. dir .. "/none.h5'")
  local f = io.open(dir .. "/junk.h5", "w"); f:write("junk"); f:close()
  T.raises(function() tl.load_results(dir .. "/junk.h5") end, "is not an HDF5 file")
  T.ok(io.open(dir .. "/x.h5") == nil, "no partial file left behind")
end)

os.execute("rm -rf '" .. dir .. "'")
T.done()
