-- eval_cnn.lua — score a segmentation model with tomolith's own inference
-- against phantom ground truth, and compare its pores-in-lithium result
-- with Otsu thresholding (seed 002's baseline):
--   * the held-out cells of tools/make_cnn_training_data.lua (never seen in
--     training): build/cnn_train/cell_07/08_{recon,labels}.h5;
--   * the demo series (datasets/make_demo.lua, size small, seed 2026),
--     projected, reconstructed here with tl.reconstruct (centre found, as the quickstart does).
-- Per-class IoU over all voxels (phantom labels merged as in
-- tools/train_unet.py), and void IoU within the electrodes (truth Li or void
-- voxels; bright impurities left out): CNN class void/pore vs Otsu's dark class, Otsu's
-- threshold computed on the reconstruction inside that same region.
--   ./tomolith tools/eval_cnn.lua [-p model=...] [-p axis=z]
local P = tl.params {
  model = "datasets/models/unet_cell.h5",
  data = "build/cnn_train",  -- make_cnn_training_data.lua output
  demo = "build/cnn_demo",   -- demo series folder (generated if missing)
  axis = "z",
}
local net = tl.cnn.load(P.model)
print(net)
local names = {}
-- phantom label -> model class: 0 background, 1 void, 2 Li, 3 interphase,
-- 4 electrolyte, 5 pore, 6 steel, 7 impurity
local MERGE = { [0] = 5, [1] = 0, [2] = 1, [3] = 2, [4] = 3, [5] = 0, [6] = 4, [7] = 1 }

local function any_of(lab, list)
  local m
  for _, k in ipairs(list) do m = m and (m + lab:eq(k)) or lab:eq(k) end
  return m:gt(0)
end

-- pooled intersection and union from tl.compare
local function pool(acc, key, c)
  local a, b = c.fraction_measured * c.count, c.fraction_reference * c.count
  local i = c.iou * (a + b) / (1 + c.iou)
  acc[key] = acc[key] or { 0, 0 }
  acc[key][1], acc[key][2] = acc[key][1] + i, acc[key][2] + a + b - i
end

local function evaluate(title, rec, lab, acc)
  local t0 = tl.clock()
  local seg = net:infer(rec, { axis = P.axis })
  local dt = tl.clock() - t0
  if #names == 0 then
    for name in (seg.labels:meta().classes .. ","):gmatch("%d+=([^,]*),") do names[#names + 1] = name end
  end
  local line = {}
  for k = 0, #names - 1 do
    local src = {}
    for l = 0, 7 do if MERGE[l] == k then src[#src + 1] = l end end
    local c = tl.compare(seg.labels:eq(k), any_of(lab, src))
    pool(acc, "class" .. k, c)
    line[#line + 1] = string.format("%s %.3f", names[k + 1], c.iou)
  end
  local region = any_of(lab, { 1, 2 })
  local void = lab:eq(1)
  local cnn = tl.compare(seg.labels:eq(0), void, { mask = region })
  local thr = tl.otsu(rec, { roi = region, bins = 256 }).thresholds[1]
  local ots = tl.compare(rec:lt(thr), void, { mask = region })
  pool(acc, "cnn_void", cnn)
  pool(acc, "otsu_void", ots)
  print(string.format("%s: infer %.2f s; IoU %s; void in electrodes: CNN %.3f, Otsu %.3f (threshold %.2f /cm)",
    title, dt, table.concat(line, ", "), cnn.iou, ots.iou, thr))
end

local function report(title, acc)
  local line = {}
  for k = 0, #names - 1 do
    local a = acc["class" .. k]
    line[#line + 1] = string.format("%s %.3f", names[k + 1], a[2] > 0 and a[1] / a[2] or 0 / 0)
  end
  print(string.format("%s, pooled: IoU %s; void IoU in electrodes: CNN %.3f, Otsu %.3f", title,
    table.concat(line, ", "), acc.cnn_void[1] / acc.cnn_void[2], acc.otsu_void[1] / acc.otsu_void[2]))
end

local function exists(p) local f = io.open(p) if f then f:close() return true end return false end

-- held-out cells
local acc = {}
for _, i in ipairs({ 7, 8 }) do
  local rp = string.format("%s/cell_%02d_recon.h5", P.data, i)
  if exists(rp) then
    evaluate(string.format("held-out cell %d", i), tl.load(rp), tl.load(string.format("%s/cell_%02d_labels.h5", P.data, i)), acc)
  end
end
if acc.cnn_void then report("held-out cells", acc) end

-- the demo series
if not exists(P.demo .. "/scan_00.h5") then
  assert(os.execute(string.format("./tomolith datasets/make_demo.lua -p size=small -p out='%s' > /dev/null", P.demo)))
end
acc = {}
for i = 0, 9 do
  local scan = string.format("%s/scan_%02d.h5", P.demo, i)
  if not exists(scan) then break end
  local dx = tl.dxchange(scan)
  local rec = tl.reconstruct(dx, { center = "auto" }).volume   -- as the quickstart does
  local lab = tl.load(string.format("%s/truth_%02d.h5", P.demo, i), { dataset = "/labels" })
  evaluate(string.format("demo scan %02d", i), rec, lab, acc)
end
if acc.cnn_void then report("demo series (small)", acc) end
