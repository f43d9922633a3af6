-- CNN inference from Lua: loading (and its errors), tostring, net:infer on
-- slices smaller than a tile and larger than several tiles, 1 vs 2 threads,
-- axes. Uses the committed parity file tests/data/cnn_golden.h5 (small
-- networks with random weights; see tools/make_cnn_golden.py).
local T = require "tl.test"
local GOLDEN = "tests/data/cnn_golden.h5"

local function pattern(nz, ny, nx)
  local v = tl.full(nz, ny, nx, 0)
  for z = 1, nz do for y = 1, ny do for x = 1, nx do
    v:set(z, y, x, math.sin(0.3 * x + z) * math.cos(0.21 * y) + 0.1 * ((x * 7 + y * 13 + z) % 5))
  end end end
  return v
end

local function same(a, b)
  local nz, ny, nx = a:shape()
  for z = 1, nz do for y = 1, ny do for x = 1, nx do
    if a:get(z, y, x) ~= b:get(z, y, x) then return false, string.format("differ at (%d, %d, %d)", z, y, x) end
  end end end
  return true
end

T.case("load and describe", function()
  local net = tl.cnn.load(GOLDEN, { group = "resnet_unet" })
  local s = tostring(net)
  T.ok(s:find("resnet34-unet", 1, true), s)
  T.ok(s:find("120104 parameters", 1, true), s)
  T.ok(s:find("classes: a, b, c, d", 1, true), s)
  T.ok(s:find("input multiple of 32 px", 1, true), s)
end)

T.case("load errors name the file and the problem", function()
  T.raises(function() tl.cnn.load("tests/data/no_such_model.h5") end, "no_such_model.h5': cannot open")
  T.raises(function() tl.cnn.load(GOLDEN) end, "is not a tomolith CNN file")
  T.raises(function() tl.cnn.load(GOLDEN, { group = "nope" }) end, "group 'nope' is missing")
end)

T.case("infer: labels u8 and confidence f32, shapes, class metadata", function()
  local net = tl.cnn.load(GOLDEN, { group = "unet_transpose" })
  local v = pattern(2, 13, 21) -- smaller than one tile, not a multiple of 4
  local r = net:infer(v, { tile = 64, overlap = 8 })
  T.eq(r.labels:dtype(), "u8")
  T.eq(r.confidence:dtype(), "f32")
  local nz, ny, nx = r.labels:shape()
  T.eq(nz, 2); T.eq(ny, 13); T.eq(nx, 21)
  T.eq(r.labels:meta().classes, "0=a,1=b,2=c")
  local st = r.confidence:stats()
  T.ok(st.min >= 1 / 3 - 1e-6 and st.max <= 1 + 1e-6, "confidence outside [1/3, 1]")
  T.ok(r.labels:stats().max <= 2)
end)

T.case("tiles: many tiles with enough overlap equal one tile", function()
  local net = tl.cnn.load(GOLDEN, { group = "unet_bilinear" })
  local v = pattern(1, 70, 150)
  local whole = net:infer(v, { tile = 256, overlap = 0 })
  local tiled = net:infer(v, { tile = 32, overlap = 12 })
  T.ok(same(whole.labels, tiled.labels))
  T.ok(same(whole.confidence, tiled.confidence))
  T.raises(function() net:infer(v, { tile = 32, overlap = 16 }) end, "overlap 16 leaves no room in a tile of 32 px")
  T.raises(function() net:infer(v, { axis = "w" }) end, "must be one of: z y x")
end)

T.case("identical for 1 and 2 threads, and along x = along z of the transpose", function()
  local net = tl.cnn.load(GOLDEN, { group = "resnet_unet" })
  local v = pattern(3, 40, 72)
  local before = tl.threads()
  tl.threads(1)
  local a = net:infer(v, { tile = 64, overlap = 16 })
  tl.threads(2)
  local b = net:infer(v, { tile = 64, overlap = 16 })
  tl.threads(before)
  T.ok(same(a.labels, b.labels))
  T.ok(same(a.confidence, b.confidence))
  local ax = net:infer(v, { axis = "x", tile = 64, overlap = 16 })
  local nz, ny, nx = ax.labels:shape()
  T.eq(nz, 3); T.eq(ny, 40); T.eq(nx, 72)
end)

T.case("default model segments a synthetic cell", function()
  local path = "datasets/models/unet_cell.h5"
  local net = tl.cnn.load(path)
  T.ok(tostring(net):find("classes: void/pore, Li, interphase, electrolyte, steel, outside", 1, true), tostring(net))
  -- a small clean cell (true attenuation, no reconstruction noise): the
  -- thick phases must come out nearly perfect
  local cell = tl.phantom.cell { nz = 64, ny = 64, nx = 64, li_thickness = 20, pellet_thickness = 45,
    contact_region = 12, ring_period = 40, impurities = 0, seed = 11 }
  local seg = net:infer(cell:mu(), { axis = "y" })
  local lab = cell:labels()
  for _, c in ipairs({ { 1, 2, "Li" }, { 3, 4, "electrolyte" }, { 4, 6, "steel" } }) do
    local iou = tl.compare(seg.labels:eq(c[1]), lab:eq(c[2])).iou
    T.ok(iou > 0.8, string.format("%s IoU %.3f", c[3], iou))
  end
end)

T.case("channels: the planes of a volume are the input channels of one image, as in PyTorch", function()
  -- the parity file's 3-channel network and its PyTorch logits on a random (3, H, W) input
  local net = tl.cnn.load(GOLDEN, { group = "resnet_unet" })
  local x = tl.load(GOLDEN, { dataset = "/resnet_unet/golden_input" })
  local logits = tl.load(GOLDEN, { dataset = "/resnet_unet/golden_logits" })
  local nc, ny, nx = logits:shape()
  local r = net:infer(x, { channels = true, tile = 512 })
  local lz, ly, lx = r.labels:shape()
  T.eq(lz, 1); T.eq(ly, ny); T.eq(lx, nx)
  local worst, wrong = 0, 0
  for y = 1, ny do for x_ = 1, nx do
    local best, bi, sum = -math.huge, 0, 0
    for c = 1, nc do
      local l = logits:get(c, y, x_)
      if l > best then best, bi = l, c - 1 end
    end
    for c = 1, nc do sum = sum + math.exp(logits:get(c, y, x_) - best) end
    if r.labels:get(1, y, x_) ~= bi then wrong = wrong + 1 end
    worst = math.max(worst, math.abs(r.confidence:get(1, y, x_) - 1 / sum))
  end end
  T.eq(wrong, 0)
  T.ok(worst < 1e-5, string.format("confidence differs from PyTorch's softmax by %.3g", worst))
  -- the same three planes equal one grey slice replicated into the channels
  local grey = x:crop { z = { 2, 2 } }
  local a = net:infer(tl.stack { grey, grey, grey }, { channels = true, tile = 64, overlap = 16 })
  local b = net:infer(grey, { tile = 64, overlap = 16 })
  T.ok(same(a.labels, b.labels))
  T.ok(same(a.confidence, b.confidence))
  T.raises(function() net:infer(tl.stack { grey, grey }, { channels = true }) end,
    "with channels the volume's 2 planes must match the network's 3 input channels")
end)

T.case("the shipped contact classifier takes tl.operando.contact_input's channels", function()
  local O = require "tl.operando"
  local p = O.contact_profile
  local s = tostring(tl.cnn.load("datasets/models/contact_cell.h5"))
  T.ok(s:find(string.format("%d input channels", 1 + 2 * (p.before + p.after + 1)), 1, true), s)
  T.ok(s:find("classes: no contact, contact", 1, true), s)
end)

T.done()
