-- tl.operando — seed 000's analysis of an operando series of a
-- Li | solid electrolyte | Li cell, shared by recipes/quickstart.lua (the
-- demo) and recipes/lewis2021_lsps.lua (a real 2-BM series).
--
-- Every number here comes from a native operator; this module only decides
-- which operator runs on which crop, and collects the results.
local tl = require "tl"
local O = {}

-- The analysis settings the quickstart, the Lewis recipe and the contact
-- classifier's training data share. Chosen on synthetic series other than
-- the demo (tools/make_contact_training_data.lua seeds 4101-4103; the
-- figures are in docs/segmentation.md): Vo's sorting stripe removal with a
-- 5-pixel window takes out the ring artefacts around the rotation axis
-- (there they cut the Li walk short), and with the rings gone the Li level's
-- spread is smaller, so void_max goes 3.5 spreads below it (3 over-counted
-- the partial voxels at the void edges by 5-7 %).
O.defaults = { smooth_um = 1.7, k_void = 3.5, stripes = "sort", stripe_size = 5 }

-- A file that can be opened.
function O.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- A demo-like series' scans: dir/scan_00.h5, scan_01.h5, ... while they
-- exist, with times step_s apart.
function O.scan_files(dir, step_s)
  local scans, times = {}, {}
  while O.exists(string.format("%s/scan_%02d.h5", dir, #scans)) do
    times[#scans + 1] = #scans * step_s
    scans[#scans + 1] = string.format("%s/scan_%02d.h5", dir, #scans)
  end
  return scans, times
end

local function log(fmt, ...)
  io.stderr:write(string.format(fmt, ...) .. "\n")
end
O.log = log

-- Interface bands from a z-profile of the reconstructed cell's central
-- columns: the collectors are the runs at either end above steel_min, the
-- Li/electrolyte interfaces the first/last slices between them whose mean
-- reaches the Li/electrolyte midpoint. A band holds a little steel (the
-- column walk starts there), the Li, and `margin` voxels of electrolyte.
function O.locate_bands(recon_path, opts)
  opts = opts or {}
  local info = tl.load(recon_path, { dataset = "/volume", z = { 1, 1 } })
  local _, ny, nx = info:shape()
  local cy, cx = math.floor(ny / 4), math.floor(nx / 4)
  local core = tl.load(recon_path, { dataset = "/volume", y = { cy + 1, ny - cy }, x = { cx + 1, nx - cx } })
  local nz = core:shape()
  local th = tl.propose_thresholds(core)
  local p = core:profile().mean
  local top_steel, bottom_steel = 0, nz + 1
  while top_steel < nz and p[top_steel + 1] >= th.steel_min do top_steel = top_steel + 1 end
  while bottom_steel > 1 and p[bottom_steel - 1] >= th.steel_min do bottom_steel = bottom_steel - 1 end
  -- the plane at a collector face is part steel, part Li: start looking for
  -- the electrolyte only once the profile has dropped into the Li
  local iface_top, iface_bottom
  local z = top_steel + 1
  while z < bottom_steel and p[z] >= th.li_max do z = z + 1 end
  for k = z, bottom_steel - 1 do
    if p[k] >= th.li_max then iface_top = k break end
  end
  z = bottom_steel - 1
  while z > top_steel and p[z] >= th.li_max do z = z - 1 end
  for k = z, top_steel + 1, -1 do
    if p[k] >= th.li_max then iface_bottom = k break end
  end
  if not iface_top or not iface_bottom or iface_bottom <= iface_top then
    error(string.format("%s: cannot find the Li/electrolyte interfaces in the z-profile (steel ends at %d and %d); " ..
      "give the bands as parameters", recon_path, top_steel, bottom_steel), 2)
  end
  local margin = opts.margin or 12
  local keep = opts.steel or 3
  return {
    top = { math.max(1, top_steel - keep + 1), math.min(nz, iface_top + margin) },
    bottom = { math.max(1, iface_bottom - margin), math.min(nz, bottom_steel + keep - 1) },
    interface_top = iface_top, interface_bottom = iface_bottom,
    collector_top = top_steel, collector_bottom = bottom_steel,
    thresholds = th, profile = p,
  }
end

-- One electrode's band of a reconstruction, and the same band smoothed in
-- (y, x) only: interfaces lie across z, so their z position and the void
-- heights stay sharp while the per-voxel noise drops (docs/segmentation.md,
-- "On the reconstructed demo series"). Only columns of the cell (those
-- reaching the collector) are averaged, so the rim keeps its level instead
-- of taking in the air around the cell.
function O.load_band(recon_path, band, opts)
  local raw = tl.load(recon_path, { dataset = "/volume", z = band })
  local vol = raw
  if (opts.smooth_um or 0) > 0 then
    local cell = raw:zproject { stat = "max" }:ge(tl.propose_thresholds(raw).steel_min)
    vol = tl.gaussian(raw, { sigma_um = opts.smooth_um, sigma_z_um = 0, mask = cell })
  end
  return raw, vol
end

-- A band's thresholds: the user's for this electrode (used as they are), or
-- proposed from the smoothed band. A copy, so the caller may adjust it.
local function band_thresholds(vol, electrode, opts)
  local given = opts.thresholds and opts.thresholds[electrode]
  local th = {}
  for k, v in pairs(given or tl.propose_thresholds(vol, { k_void = opts.k_void, depth = opts.depth })) do th[k] = v end
  return th
end

-- Seed 000's two walks over a band: lithium from the collector, then the
-- interfacial voids from the electrolyte.
local function walk(vol, electrode, th, max_gap, opts)
  local li = tl.threshold_columns(vol, { electrode = electrode, li_max = th.li_max, max_gap = max_gap,
    sse_min = th.sse_min, steel_min = th.steel_min, window = opts.window })
  local voids = tl.interfacial_voids(vol, li.li, { electrode = electrode, void_max = th.void_max,
    sse_min = th.sse_min, window = opts.window, li_level = th.li_level, void_level = th.void_level })
  return li, voids
end

-- analyse_series' first pass over a band: only what the series' interphase
-- level needs (thresholds, the walks, the interphase; nothing past the
-- thresholds when the level is given), kept with the loaded band for the
-- second pass.
function O.first_pass(recon_path, electrode, band, opts)
  local raw, vol = O.load_band(recon_path, band, opts)
  local th = band_thresholds(vol, electrode, opts)
  local r = { electrode = electrode, band = band, raw = raw, volume = vol, thresholds = th }
  if not opts.interphase_level then
    local li, voids = walk(vol, electrode, th, opts.max_gap or 2, opts)
    r.interphase = O.interphase(vol, li.li, voids.voids, electrode, th)
  end
  return r
end

-- The analysis of a loaded band (raw and smoothed). interphase_level: the
-- series' interphase (analyse_series' second pass); th: the band's
-- thresholds when already at hand (the first pass's, adjusted in place), nil
-- to get them. Where the interphase is
-- darker than li_max (seed 000's li_max sits between Li and the electrolyte,
-- and the interphase lies between them), the Li walk would run on through
-- it, and into a pore behind it; lithium is then what is darker than the
-- Li/interphase midpoint, and the walk stops after max_gap 3 voxels at or
-- above it (3, not 2: this cut-off is nearer the Li level, so noise reaches
-- it more often, and an interphase with the electrolyte behind it is still
-- at least 3 voxels bright).
function O.segment_band(raw, vol, electrode, band, opts, interphase_level, th)
  local given = opts.thresholds and opts.thresholds[electrode]
  th = th or band_thresholds(vol, electrode, opts)
  th.max_gap = opts.max_gap or 2
  -- (thresholds given by the user are used as they are)
  if not given and interphase_level and interphase_level > th.li_level
     and 0.5 * (th.li_level + interphase_level) < th.li_max then
    th.li_max, th.max_gap = 0.5 * (th.li_level + interphase_level), opts.max_gap or 3
  end
  local li, voids = walk(vol, electrode, th, th.max_gap, opts)
  -- the cell's footprint is where the electrode is (columns outside the rod
  -- reach no collector and hold no Li): contact is a fraction of it
  local cell_mm2 = tl.regions(li.has_li, { size_mm2 = 0 }).total_mm2
  -- contact fails a column on any of `depth` voxels: its void cut-off is
  -- stricter than one voxel's (propose_thresholds' contact_void_max)
  local contact = tl.contact_map(vol, li.li, { electrode = electrode, void_max = th.contact_void_max or th.void_max,
    depth = opts.depth,
    j_nominal = opts.j_nominal, nominal_mm2 = cell_mm2 > 0 and cell_mm2 or nil })
  local regions = tl.regions(contact.contact, { size_mm2 = opts.region_mm2 })
  local m = {
    electrode = electrode, band = band, volume = vol, raw = raw, thresholds = th,
    li = li.li, has_li = li.has_li, voids = voids.voids, contact = contact.contact,
    void_height_um = voids.height_um,
    contact_mm2 = contact.contact_mm2, cell_mm2 = cell_mm2,
    contact_fraction = contact.contact_mm2 / cell_mm2,
    j_effective = contact.j_effective, void_volume_um3 = voids.void_volume_um3,
    regions = regions,
  }
  if opts.contact_net then O.classify_contact(m, opts.contact_net, opts) end
  -- the interphase past the Li (or the void), by the electrolyte it displaces;
  -- with the classifier, its contact columns hold no void
  m.interphase = O.interphase(vol, li.li, voids.voids, electrode, th, interphase_level or opts.interphase_level,
    m.contact_rule and m.contact or nil)
  m.interphase_um = m.interphase.mean_um
  O.li_thickness(m, interphase_level)
  return m
end

-- Li thickness to a fraction of a voxel (m: segment_band's result):
-- partial volume at the collector and at the Li's far edge, voids excluded.
-- The Li's partner there is the interphase when one is known (analyse_series
-- passes the series' interphase level: an interphase as bright as li_max is
-- in the Li mask, and the voxel after the run is then the electrolyte, which
-- would count part of the interphase as Li), else the median voxel after the
-- runs. With the contact classifier, its contact columns hold no void.
function O.li_thickness(m, partner_level)
  local th = m.thresholds
  local lt = tl.li_thickness(m.volume, m.li, m.voids, { electrode = m.electrode, li_level = th.li_level,
    steel_level = th.steel_level, void_level = th.void_level,
    partner_level = partner_level and th.li_level and partner_level > th.li_level and partner_level or nil,
    contact = m.contact_rule and m.contact or nil })
  m.li_thickness_um, m.li_volume_um3 = lt.thickness_um, lt.li_volume_um3
  return m
end

-- The contact classifier's input for one analysed band (segment_band's
-- result): the Li mask's footprint, then each column's profile around the
-- end of its Li run from the smoothed and from the raw band, scaled to void 0
-- and Li 1 (edge_profiles). The training data (tools/make_contact_training_data.lua)
-- are made by this same function, so the network sees what it was trained on.
O.contact_profile = { before = 8, after = 3 }
function O.contact_input(m)
  local th, p = m.thresholds, O.contact_profile
  if not (th.li_level and th.void_level) then th = tl.propose_thresholds(m.volume) end -- thresholds given without levels
  local function prof(v)
    return tl.edge_profiles(v, m.li, { electrode = m.electrode, before = p.before, after = p.after,
      li_level = th.li_level, void_level = th.void_level })
  end
  return tl.stack { m.has_li:astype("f32"), prof(m.volume), prof(m.raw) }
end

-- Contact from the trained classifier (datasets/models/contact_cell.h5,
-- docs/segmentation.md): it replaces the contact map, area, regions and
-- effective current density of an analysed band; seed 000's per-voxel rule
-- stays as m.contact_rule / m.contact_rule_mm2 for comparison.
function O.classify_contact(m, net, opts)
  m.contact_rule, m.contact_rule_mm2 = m.contact, m.contact_mm2
  local seg = net:infer(O.contact_input(m), { channels = true, tile = 512, overlap = 16 })
  m.contact = (seg.labels * m.has_li):ge(0.5)
  m.regions = tl.regions(m.contact, { size_mm2 = opts.region_mm2 })
  m.contact_mm2 = m.regions.total_mm2
  m.contact_fraction = m.contact_mm2 / m.cell_mm2
  if opts.j_nominal and m.contact_mm2 > 0 then
    m.j_effective = tl.effective_current_density(opts.j_nominal, m.contact_mm2, m.cell_mm2)
  end
  return m
end

-- Interphase thickness of one band (seed 000 §5); level nil = measured in the
-- band; contact (optional): the classifier's map, whose contact columns hold no void.
function O.interphase(vol, li, voids, electrode, th, level, contact)
  return tl.interphase(vol, li, voids, { electrode = electrode, li_level = th.li_level, void_level = th.void_level,
    interphase_level = level, contact = contact })
end

-- The interphase is one material across the series, and its level shows only
-- where the layer is at least ~2 voxels thick: take it from the band with the
-- most interior voxels (nil when no band shows one).
function O.interphase_level(results, electrodes)
  local best, count = nil, 0
  for _, r in ipairs(results.scans) do
    for _, e in ipairs(electrodes) do
      local lv = r[e].interphase.levels
      if lv.interior_voxels > count and lv.interphase_level == lv.interphase_level then
        best, count = lv.interphase_level, lv.interior_voxels
      end
    end
  end
  return best
end

-- Reconstruct a scan, streamed to an HDF5 file block by block. With
-- opts.reuse, an existing output is kept (a 20 GB scan takes a while).
function O.reconstruct(scan_path, out_path, opts)
  if opts.reuse then
    local f = io.open(out_path, "rb")
    if f then
      f:close()
      log("  reusing %s", out_path)
      return out_path
    end
  end
  local scan = tl.dxchange(scan_path)
  local center = opts.center
  if center == "auto" then center = nil end
  tl.reconstruct(scan, { output = out_path, center = center, filter = opts.filter, stripes = opts.stripes,
    stripe_size = opts.stripe_size, block = opts.block })
  return out_path
end

-- The whole series. opts: scans (paths), times_s, out (folder), electrodes,
-- j_nominal (mA/cm²), bands (or nil = located per scan), thresholds (or nil).
function O.analyse_series(opts)
  local results = { scans = {}, opts = opts }
  if not opts.contact_net and (opts.contact_model or "") ~= "" then
    opts.contact_net = tl.cnn.load(opts.contact_model)
    log("contact classifier: %s", opts.contact_model)
  end
  for i, scan_path in ipairs(opts.scans) do
    local name = scan_path:match("([^/]+)%.h5$") or ("scan_" .. i)
    local recon_path = string.format("%s/recon_%s.h5", opts.out, name)
    log("scan %d/%d: %s", i, #opts.scans, scan_path)
    local t0 = tl.clock()
    O.reconstruct(scan_path, recon_path, opts)
    local t1 = tl.clock()
    local bands = opts.bands or O.locate_bands(recon_path, { margin = opts.margin })
    local r = { name = name, path = scan_path, recon = recon_path, time_s = opts.times_s[i], bands = bands }
    -- the first pass: what the series' interphase level needs
    for _, e in ipairs(opts.electrodes) do r[e] = O.first_pass(recon_path, e, bands[e], opts) end
    r.seconds_recon, r.seconds_analysis = t1 - t0, tl.clock() - t1
    local _, _, vz = r[opts.electrodes[1]].volume:voxel()
    r.voxel_um = vz
    if bands.interface_top and bands.interface_bottom then
      r.electrolyte_um = (bands.interface_bottom - bands.interface_top) * vz
    end
    results.scans[i] = r
    log("  %.1f s reconstruction, %.1f s analysis", r.seconds_recon, r.seconds_analysis)
  end
  -- Second pass, every band again with the series' interphase level (its Li
  -- cut-off, interphase and Li thickness; segment_band) and the contact
  -- classifier, which was trained on second-pass bands.
  local level = opts.interphase_level or O.interphase_level(results, opts.electrodes)
  results.interphase_level = level
  for _, r in ipairs(results.scans) do
    local t = tl.clock()
    for _, e in ipairs(opts.electrodes) do
      local m = r[e]
      r[e] = O.segment_band(m.raw, m.volume, e, m.band, opts, level, m.thresholds)
    end
    r.seconds_analysis = r.seconds_analysis + tl.clock() - t
    local s = {}
    for _, e in ipairs(opts.electrodes) do s[#s + 1] = string.format("%s %.4f mm²", e, r[e].contact_mm2) end
    log("%s: contact %s", r.name, table.concat(s, ", "))
  end
  -- Between scans: contact change, and the local current density from the
  -- Li thickness change (seed 002 eq. 3) with its hot spots.
  for i = 2, #results.scans do
    local a, b = results.scans[i - 1], results.scans[i]
    b.step = {}
    for _, e in ipairs(opts.electrodes) do
      local dt = b.time_s - a.time_s
      local j = tl.current_density(a[e].li_thickness_um, b[e].li_thickness_um, dt,
        { valid1 = a[e].has_li, valid2 = b[e].has_li })
      local change = tl.contact_change(a[e].contact, b[e].contact)
      local hot = tl.hot_spots(j.j, { k = opts.hot_k or 2, valid = j.valid })
      b.step[e] = { j = j.j, j_valid = j.valid, j_mean = j.mean, contact_change = change, hot_spots = hot }
    end
  end
  return results
end

-- Arrays of one quantity over the scans.
function O.series(results, electrode, key)
  local out = {}
  for i, r in ipairs(results.scans) do out[i] = r[electrode][key] end
  return out
end

function O.times(results)
  local out = {}
  for i, r in ipairs(results.scans) do out[i] = r.time_s end
  return out
end

-- Seed 000's cell model: fit i0 and κ_interphase on the first half-cycle,
-- predict the rest with the measured contact areas and with contact scaled
-- to 100 %, 25 % and 1 % of the nominal area.
function O.fit_and_predict(results, mpt, opts)
  local t = mpt.columns["time/s"]
  local v = mpt.columns["Ewe/V"]
  local cur = mpt.columns["I/mA"]
  local times = O.times(results)
  local top, bottom = O.series(results, "top", "contact_mm2"), O.series(results, "bottom", "contact_mm2")
  local model = {
    time = t, current = cur, contact_time = times, contact_top = top, contact_bottom = bottom,
    interphase_time = opts.interphase_time, interphase_thickness = opts.interphase_thickness,
    electrolyte_thickness = opts.electrolyte_um, kappa_electrolyte = opts.kappa_electrolyte,
    i0 = opts.i0_start, kappa_interphase = opts.kappa_interphase_start,
  }
  local fit_args = { voltage = v, window = opts.fit_window }
  for k, x in pairs(model) do fit_args[k] = x end
  local fit = tl.fit_cell(fit_args)
  local predict = {}
  local nominal = results.scans[1].top.cell_mm2
  local scenarios = {
    { name = "measured", top = top, bottom = bottom },
    { name = "100%", scale = 1.0 }, { name = "25%", scale = 0.25 }, { name = "1%", scale = 0.01 },
  }
  for _, s in ipairs(scenarios) do
    local args = {}
    for k, x in pairs(model) do args[k] = x end
    for k, x in pairs(fit.params) do args[k] = x end
    if s.scale then
      local a = {}
      for i = 1, #times do a[i] = nominal * s.scale end
      args.contact_top, args.contact_bottom = a, a
    end
    local r = tl.cell_voltage(args)
    predict[#predict + 1] = { name = s.name, voltage = r.voltage, terms = r }
  end
  return { fit = fit, predict = predict, time = t, voltage = v, current = cur }
end

-- ---- outputs: figures, tables, results file, report ----

local function hours(t) return string.format("%.1f h", t / 3600) end

-- Figures a group would put in a paper; returns {file, caption} pairs.
function O.figures(results, echem, dir)
  local figs = {}
  local scans = results.scans
  local function add(file, caption) figs[#figs + 1] = { file = file, caption = caption } end
  -- seed 000 Fig. 4a: voltage and contact area against time
  if echem then
    local th = {}
    for i, t in ipairs(echem.time) do th[i] = t / 3600 end
    local series = {}
    local colours = { measured = "red", ["100%"] = "blue", ["25%"] = "green", ["1%"] = "magenta" }
    for _, p in ipairs(echem.predict) do
      series[#series + 1] = { x = th, y = p.voltage, label = "model, " .. p.name .. " contact", colour = colours[p.name],
        style = p.name == "measured" and "line" or "dashed", width = 2 }
    end
    -- drawn after the models so the measurement stays on top
    series[#series + 1] = { x = th, y = echem.voltage, label = "measured", colour = "black", width = 1 }
    local ts, top, bottom = {}, {}, {}
    for i, r in ipairs(scans) do
      ts[i] = r.time_s / 3600
      top[i] = r.top and r.top.contact_fraction * 100 or 0 / 0
      bottom[i] = r.bottom and r.bottom.contact_fraction * 100 or 0 / 0
    end
    series[#series + 1] = { x = ts, y = top, label = "contact, top", axis = "right", style = "both", marker = "circle", colour = "orange" }
    series[#series + 1] = { x = ts, y = bottom, label = "contact, bottom", axis = "right", style = "both", marker = "square", colour = "cyan" }
    -- the axis follows the measurement: the 1 % prediction runs off it, as in seed 000 Fig. 4b
    local lo, hi = math.huge, -math.huge
    for _, x in ipairs(echem.voltage) do lo, hi = math.min(lo, x), math.max(hi, x) end
    local pad = 0.6 * (hi - lo)
    tl.plot { series = series, out = dir .. "/voltage_contact.png", xlabel = "Time (h)", ylabel = "Cell voltage (V)",
      yrange = { lo - pad, hi + pad },
      y2label = "Contact (% of area)", title = "Cell voltage and Li/electrolyte contact", legend = "bottom-left" }
    add("voltage_contact.png", "Cell voltage (measured, and seed 000's model fitted on the first half-cycle with " ..
      "measured contact or contact scaled to 100/25/1 %) and the contact area of each interface (right axis).")
  end
  -- seed 000 Fig. 4c,d: contact maps over the series
  for _, e in ipairs(results.opts.electrodes) do
    local maps, titles = {}, {}
    for i, r in ipairs(scans) do
      maps[i] = r[e].contact
      titles[i] = string.format("%s, %s", r.name, hours(r.time_s))
    end
    local file = "contact_maps_" .. e .. ".png"
    tl.show_maps(tl.stack(maps), { out = dir .. "/" .. file, colours = { "black", "yellow" },
      labels = { "no contact", "contact" }, titles = titles, title = "Contact, " .. e .. " interface",
      scale_bar = 100 })
    add(file, "Contact maps of the " .. e .. " interface: yellow where Li touches the electrolyte.")
  end
  -- seed 000 Fig. 3b: lithium and voids over a cross-section of the last scan
  local last = scans[#scans]
  for _, e in ipairs(results.opts.electrodes) do
    local m = last[e]
    local _, ny = m.raw:shape()
    local mid = math.floor(ny / 2) + 1
    local labels = m.li:slice("y", mid) + m.voids:slice("y", mid)
    local file = string.format("overlay_%s_%s.png", e, last.name)
    tl.overlay(m.raw:slice("y", mid), labels:astype("u8"), { out = dir .. "/" .. file,
      colours = { "blue", "red" }, labels = { "lithium", "interfacial void" }, alpha = 0.45,
      title = string.format("%s interface, %s, y = %d", e, last.name, mid), scale_bar = 50 })
    add(file, "Cross-section (x, z) of the " .. e .. " electrode in the last scan: lithium in blue, interfacial voids in red.")
  end
  -- seed 002 eq. 3: local current density of each step, and Li thickness
  for i = 2, #scans do
    local r = scans[i]
    for _, e in ipairs(results.opts.electrodes) do
      local st = r.step[e]
      local file = string.format("current_density_%s_%s.png", e, r.name)
      tl.show_map(st.j, { out = dir .. "/" .. file, colormap = "diverging", units = "mA/cm²", scale_bar = 100,
        title = string.format("j, %s, %s → %s", e, scans[i - 1].name, r.name) })
      add(file, string.format("Local current density at the %s interface between %s and %s, from the Li thickness " ..
        "change (seed 002 eq. 3; negative = stripping). Mean %.2f mA/cm², %d hot and %d cold spots (mean ± 2σ).",
        e, scans[i - 1].name, r.name, st.j_mean, st.hot_spots.hot_count, st.hot_spots.cold_count))
    end
  end
  for _, e in ipairs(results.opts.electrodes) do
    local file = string.format("li_thickness_%s_%s.png", e, last.name)
    tl.show_map(last[e].li_thickness_um, { out = dir .. "/" .. file, units = "µm", scale_bar = 100,
      range = { 0, (last[e].band[2] - last[e].band[1] + 1) * last.voxel_um }, nan_colour = "white",
      title = string.format("Li thickness, %s, %s", e, last.name) })
    add(file, "Lithium thickness per column in the last scan (voids excluded).")
  end
  return figs
end

-- One row per scan (and electrode).
function O.scan_rows(results)
  local rows = {}
  for _, r in ipairs(results.scans) do
    for _, e in ipairs(results.opts.electrodes) do
      local m = r[e]
      rows[#rows + 1] = { scan = r.name, time_h = r.time_s / 3600, electrode = e, contact_mm2 = m.contact_mm2,
        contact_percent = 100 * m.contact_fraction, regions = m.regions.count,
        largest_region_mm2 = m.regions.areas_mm2[1] or 0, void_volume_um3 = m.void_volume_um3,
        li_volume_um3 = m.li_volume_um3, interphase_um = m.interphase_um, j_effective = m.j_effective or 0 / 0,
        li_max = m.thresholds.li_max, sse_min = m.thresholds.sse_min, void_max = m.thresholds.void_max }
    end
  end
  return rows
end
O.scan_columns = { "scan", "time_h", "electrode", "contact_mm2", "contact_percent", "regions", "largest_region_mm2",
  "void_volume_um3", "li_volume_um3", "interphase_um", "j_effective", "li_max", "sse_min", "void_max" }

-- Everything measured, as one HDF5 file (with the recipe's provenance).
function O.save(results, echem, path, extra)
  local out = { scans = {} }
  for i, r in ipairs(results.scans) do
    local s = { name = r.name, time_s = r.time_s, recon = r.recon }
    for _, e in ipairs(results.opts.electrodes) do
      local m = r[e]
      s[e] = { contact = m.contact, li_thickness_um = m.li_thickness_um, void_height_um = m.void_height_um,
        contact_mm2 = m.contact_mm2, contact_fraction = m.contact_fraction, void_volume_um3 = m.void_volume_um3,
        li_volume_um3 = m.li_volume_um3, band = { m.band[1], m.band[2] }, region_areas_mm2 = m.regions.areas_mm2,
        interphase_um = m.interphase_um, interphase_thickness_um = m.interphase.thickness_um,
        thresholds = { li_max = m.thresholds.li_max, sse_min = m.thresholds.sse_min, void_max = m.thresholds.void_max,
          steel_min = m.thresholds.steel_min } }
      if r.step then
        local st = r.step[e]
        s[e].current_density = st.j
        s[e].current_density_mean = st.j_mean
        s[e].contact_change_percent = st.contact_change.change_percent
      end
    end
    out.scans[string.format("%02d", i - 1)] = s
  end
  if echem then
    out.cell_model = { values = echem.fit.values, std_errors = echem.fit.std_errors, rms_V = echem.fit.rms,
      time_s = echem.time, voltage_V = echem.voltage }
    for _, p in ipairs(echem.predict) do out.cell_model["predicted_" .. p.name:gsub("%%", "pct")] = p.voltage end
  end
  if extra then for k, v in pairs(extra) do out[k] = v end end
  tl.save_results(out, path)
end

function O.fit_rows(echem)
  local rows = {}
  for name, v in pairs(echem.fit.values) do
    rows[#rows + 1] = { parameter = name, value = v, std_error = echem.fit.std_errors[name] }
  end
  table.sort(rows, function(a, b) return a.parameter < b.parameter end)
  return rows
end

return O
