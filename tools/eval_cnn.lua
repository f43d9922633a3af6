-- eval_cnn.lua — score tomolith's own inference of a model on the held-out
-- synthetic scans that tools/train_unet.py saved (degraded attenuation and
-- merged ground-truth classes): per-class IoU over all held-out voxels,
-- slices along z, default tile and overlap.
--   ./tomolith tools/eval_cnn.lua -p model=datasets/models/unet_cell.h5 -p data=build/cnn_train/heldout
local P = tl.params {
  model = "datasets/models/unet_cell.h5",
  data = "build/cnn_train/heldout",
  axis = "z",
}
local net = tl.cnn.load(P.model)
print(net)
local inter, union = {}, {}
local ncls = 0
for i = 0, 99 do
  local recon = string.format("%s/heldout_%02d_recon.h5", P.data, i)
  local f = io.open(recon)
  if not f then break end
  f:close()
  local vol = tl.load(recon)
  local truth = tl.load(string.format("%s/heldout_%02d_classes.h5", P.data, i))
  local t0 = tl.clock()
  local seg = net:infer(vol, { axis = P.axis })
  local nz, ny, nx = vol:shape()
  print(string.format("held-out scan %d: %d slices of %d x %d in %.2f s", i, nz, ny, nx, tl.clock() - t0))
  local names = {}
  for name in (seg.labels:meta().classes .. ","):gmatch("%d+=([^,]*),") do names[#names + 1] = name end
  ncls = #names
  for k = 0, ncls - 1 do
    local a, b = seg.labels:eq(k), truth:eq(k)
    local n = #a
    local ab = (a * b):stats().mean * n
    inter[k] = (inter[k] or 0) + ab
    union[k] = (union[k] or 0) + a:stats().mean * n + b:stats().mean * n - ab
    names[k] = names[k + 1]
  end
  inter.names = names
end
if ncls == 0 then error("no held-out scans in " .. P.data .. " (run tools/train_unet.py first)") end
print("tomolith per-class IoU on the held-out scans:")
for k = 0, ncls - 1 do
  print(string.format("  %-12s %.3f", inter.names[k], union[k] > 0 and inter[k] / union[k] or 0 / 0))
end
