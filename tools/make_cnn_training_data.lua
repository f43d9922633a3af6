-- make_cnn_training_data.lua — synthetic scans for tools/train_unet.py:
-- phantom cells with seeds and parameters different from the demo
-- (datasets/make_demo.lua uses seed 2026 and its defaults), some after a
-- stripping step so that voids are larger, each projected like the demo
-- (tl.project: 120 angles, Poisson noise, pixel gain drift, zingers) and
-- reconstructed with tl.reconstruct (Gridrec, known centre), so the network
-- learns from real reconstruction noise and artefacts (streaks from the
-- steel, rings), labelled from the ground truth. The last 2 cells are held out.
--   ./tomolith tools/make_cnn_training_data.lua -p out=build/cnn_train
-- Writes out/cell_NN_recon.h5 (1/cm), out/cell_NN_mu.h5 (true attenuation)
-- and out/cell_NN_labels.h5 (phantom labels), dataset /volume.
local P = tl.params {
  out = "build/cnn_train", -- folder to write
  n_train = 6,             -- training cells; 2 more are held out
  size = 96,               -- lateral size (voxels); nz = size
}
assert(os.execute(string.format("mkdir -p '%s'", P.out)), "cannot create folder " .. P.out)

-- every cell differs in seed, contact, voids, porosity, interphase and
-- photons per flat pixel; strip > 0 runs one galvanostatic step (mA/cm², 1 h)
local specs = {
  {seed = 3101, photons = 58000, contact_fraction = 0.80, void_fraction = 0.02, porosity = 0.03, interphase = 0, strip = 0},
  {seed = 3102, photons = 30000, contact_fraction = 0.60, void_fraction = 0.05, porosity = 0.06, interphase = 3, strip = 2},
  {seed = 3103, photons = 45000, contact_fraction = 0.70, void_fraction = 0.04, porosity = 0.08, interphase = 2, strip = 3},
  {seed = 3104, photons = 58000, contact_fraction = 0.50, void_fraction = 0.06, porosity = 0.04, interphase = 4, strip = 0},
  {seed = 3105, photons = 20000, contact_fraction = 0.85, void_fraction = 0.015, porosity = 0.10, interphase = 1, strip = 2},
  {seed = 3106, photons = 40000, contact_fraction = 0.65, void_fraction = 0.03, porosity = 0.05, interphase = 5, strip = 4},
  -- held out
  {seed = 3201, photons = 58000, contact_fraction = 0.75, void_fraction = 0.03, porosity = 0.05, interphase = 2, strip = 2},
  {seed = 3202, photons = 35000, contact_fraction = 0.55, void_fraction = 0.05, porosity = 0.07, interphase = 3, strip = 3},
}
local n = P.size
for i, s in ipairs(specs) do
  if i > P.n_train + 2 then break end
  local cell = tl.phantom.cell {
    nz = n, ny = n, nx = n, li_thickness = n // 3, pellet_thickness = math.floor(n * 0.7),
    contact_region = 12, ring_period = 40, impurities = 2, seed = s.seed,
    contact_fraction = s.contact_fraction, void_fraction = s.void_fraction, porosity = s.porosity,
    interphase = s.interphase,
  }
  if s.strip > 0 then
    cell = tl.phantom.evolve(cell, {current_density_mA_cm2 = s.strip, duration_s = 3600,
                                    strip = (i % 2 == 0) and "top" or "bottom", seed = s.seed + 1})
  end
  local mu = cell:mu()
  local scan = string.format("%s/scan_%02d.h5", P.out, i)
  tl.project(mu, {path = scan, n_angles = 120, photons = s.photons, gain_error = 0.002, zingers = 1e-5,
                  seed = s.seed * 10})
  local rec = tl.reconstruct(tl.dxchange(scan), {center = n / 2}).volume
  os.remove(scan)
  tl.save(rec, string.format("%s/cell_%02d_recon.h5", P.out, i))
  tl.save(mu, string.format("%s/cell_%02d_mu.h5", P.out, i))
  tl.save(cell:labels(), string.format("%s/cell_%02d_labels.h5", P.out, i))
  print(string.format("cell %d (seed %d) written", i, s.seed))
end
