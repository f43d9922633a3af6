-- Figures from Lua: tl.plot, tl.show_map, tl.overlay, tl.view; the files
-- are PNGs of the right size; bad input gives clear errors.
local T = require "tl.test"

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p '" .. dir .. "'"))
local function path(name) return dir .. "/" .. name end

-- Width and height from a PNG's IHDR, or nil + reason.
local function png_size(p)
  local f = io.open(p, "rb")
  if not f then return nil, "missing " .. p end
  local head = f:read(24)
  f:close()
  if not head or #head < 24 or head:sub(1, 8) ~= "\137PNG\r\n\26\n" then return nil, "not a PNG: " .. p end
  return string.unpack(">I4I4", head, 17)
end

local function exists(p)
  local f = io.open(p, "rb")
  if f then f:close() return true end
  return false
end

-- seed 000 Fig. 4a: voltage (left) and contact area of both interfaces (right) against time
T.case("two-axis plot, voltage and contact area", function()
  local t, v, ts, top, bottom = {}, {}, {}, {}, {}
  for i = 1, 100 do t[i] = (i - 1) * 0.1; v[i] = (t[i] < 5 and 1 or -1) * (0.05 + 0.002 * t[i]) end
  v[50] = 0 / 0 -- NaN breaks the line
  for i = 1, 10 do ts[i] = (i - 1); top[i] = 1.2 - 0.01 * i; bottom[i] = 1.1 - 0.03 * i end
  local p = tl.plot {
    series = {
      { x = t, y = v, label = "Voltage", colour = "blue" },
      { x = ts, y = top, label = "Top", axis = "right", colour = "green", style = "both" },
      { x = ts, y = bottom, label = "Bottom", axis = "right", colour = "yellow", style = "both", marker = "square" },
    },
    xlabel = "Time (h)", ylabel = "Voltage (V)", y2label = "Contact area (mm²)",
    title = "1 mA/cm²", out = path("fig4a.png"), width = 800, height = 500,
  }
  T.eq(p, path("fig4a.png"))
  local w, h = png_size(p)
  T.eq(w, 800); T.eq(h, 500)
end)

T.case("a real BioLogic .mpt: voltage and current on two axes", function()
  local file = T.shared("mpt/yadg_gcpl.issue_226.I.mpt")
  if not file then return end
  local m = tl.read_mpt(file, { require = { "time/s", "Ewe/V", "I/mA" } })
  local t, v, i = {}, {}, {}
  for k = 1, m.rows do
    t[k] = m.columns["time/s"][k] / 3600; v[k] = m.columns["Ewe/V"][k]; i[k] = m.columns["I/mA"][k]
  end
  local p = tl.plot { series = { { x = t, y = v, label = "Ewe" },
    { x = t, y = i, label = "I", axis = "right", colour = "red", style = "dashed" } },
    xlabel = "Time (h)", ylabel = "Ewe (V)", y2label = "I (mA)", out = path("mpt.png") }
  local w, h = png_size(p)
  T.eq(w, 900); T.eq(h, 600)
end)

T.case("pdf and svg by extension, with provenance sidecars", function()
  for _, ext in ipairs { "pdf", "svg" } do
    local p = tl.plot { series = { { y = { 1, 3, 2 } } }, out = path("v." .. ext) }
    T.ok(exists(p), p)
    T.ok(exists(p .. ".provenance.json"), "sidecar of " .. p)
  end
end)

T.case("show_map: continuous with colour bar, and categorical contact map", function()
  local m = tl.full(1, 20, 30, 0.5, { voxel_um = 1.7 })
  local p = tl.show_map(m, { range = { 0, 1 }, units = "mA/cm²", title = "j", out = path("j.png") })
  local w, h = png_size(p)
  T.ok(w and w > 30 * 24, "map enlarged to about 720 px"); T.ok(h > 20 * 24)
  local c = tl.full(1, 20, 30, 0, { dtype = "u8", voxel_um = 1.7 })
  for y = 1, 20 do for x = 16, 30 do c:set(y, x, 1) end end
  p = tl.show_map(c, { colours = { "black", "green" }, labels = { "no contact", "contact" },
    width = 500, height = 300, out = path("contact.png") })
  w, h = png_size(p)
  T.eq(w, 500); T.eq(h, 300)
end)

T.case("show_maps: contact maps of one interface over time, side by side", function()
  local st = tl.full(3, 12, 12, 1, { dtype = "u8", voxel_um = 17 })
  for y = 1, 12 do st:set(2, y, 3, 0); st:set(3, y, 5, 0) end
  local p = tl.show_maps(st, { colours = { "black", "yellow" }, labels = { "no contact", "contact" },
    titles = { "0 h", "4 h", "8 h" }, title = "Bottom interface", out = path("fig4d.png") })
  local w, h = png_size(p)
  T.ok(w > 3 * 12 * 30, "three panels in a row"); T.ok(h < w / 2)
  T.raises(function() tl.show_maps(st, { titles = { "a" }, out = path("x.png") }) end, "1 titles for 3 maps")
end)

T.case("overlay: red voids over a grey slice", function()
  local s = tl.full(1, 30, 40, 0.3, { voxel_um = 1.7 })
  local m = tl.full(1, 30, 40, 0, { dtype = "u8", voxel_um = 1.7 })
  for x = 5, 12 do m:set(15, x, 1) end
  local p = tl.overlay(s, m, { colour = "red", alpha = 0.6, out = path("fig3b.png") })
  T.ok(png_size(p))
  -- several masks: voids and interphase, with a legend
  local inter = tl.full(1, 30, 40, 0, { dtype = "u8", voxel_um = 1.7 })
  for x = 1, 40 do inter:set(16, x, 1) end
  p = tl.overlay(s, { masks = { m, inter }, colours = { "red", "cyan" }, labels = { "void", "interphase" },
    out = path("two_masks.png") })
  T.ok(png_size(p))
  T.raises(function() tl.overlay(s, m, { masks = { inter }, out = path("x.png") }) end, "either mask")
  T.raises(function() tl.overlay(s, { out = path("x.png") }) end, "either mask")
  T.raises(function() tl.overlay(s, { masks = { m, 3 }, out = path("x.png") }) end, "masks[2]")
end)

T.case("errors name the problem", function()
  local v3 = tl.full(3, 8, 8, 0)
  T.raises(function() tl.show_map(v3, { out = path("x.png") }) end, "2D map")
  local m = tl.full(1, 8, 8, 0)
  T.raises(function() tl.show_map(m, { colormap = "jet", out = path("x.png") }) end, "viridis")
  T.raises(function() tl.show_map(m, { out = path("x.jpg") }) end, "x.jpg")
  T.raises(function() tl.show_map(m, { colours = { "black", "green" }, out = path("x.png"),
    labels = { "one" } }) end, "1 labels for 2 colours")
  local mask = tl.full(1, 9, 8, 0, { dtype = "u8" })
  T.raises(function() tl.overlay(m, mask, { out = path("x.png") }) end, "mask")
  T.raises(function() tl.overlay(m, tl.full(1, 8, 8, 0), { out = path("x.png") }) end, "u8")
  T.raises(function() tl.plot { series = {}, out = path("x.png") } end, "series is empty")
  T.raises(function() tl.plot { series = { { x = { 1, 2 }, y = { 1, 2, 3 } } }, out = path("x.png") } end,
    "2 x values but 3 y values")
  T.raises(function() tl.plot { series = { { y = { 1, 2 }, colur = "red" } }, out = path("x.png") } end,
    "unknown field 'colur'")
  T.raises(function() tl.plot { series = { { y = { 1, 2 } } }, out = path("x.gif") } end, ".png, .pdf or .svg")
  T.raises(function() tl.plot { series = { { y = { 0 / 0 } } }, out = path("x.png") } end, "no finite")
  T.ok(not exists(path("x.png")), "no file left behind by a failed figure")
end)

T.case("tl.view writes a PNG and returns its path", function()
  T.ok(type(tl.view) == "function" or type(tl.view) == "table", "tl.view is attached")
  local view = require "tl.view"
  local v = tl.full(5, 16, 16, 1, { voxel_um = 2 })
  local p = view(v, { dir = dir, name = "vol" })
  T.eq(p, path("vol.png"))
  T.ok(png_size(p))
  p = view(tl.full(1, 10, 10, 2), { dir = dir })
  T.ok(png_size(p))
  p = view({ 1, 4, 9, 16 }, { dir = dir })
  T.ok(png_size(p))
  p = view({ series = { { y = { 3, 1, 2 }, label = "y" } }, xlabel = "x" }, { dir = dir })
  T.ok(png_size(p))
  p = view({ { y = { 1, 2 } }, { y = { 2, 1 }, axis = "right" } }, { dir = dir })
  T.ok(png_size(p))
  T.raises(function() view(v, { z = 9, dir = dir }) end, "z = 9 is outside 1..5")
  T.raises(function() view("hello") end, "expected a volume")
end)

os.execute("rm -rf '" .. dir .. "'")
T.done()
