-- echem.lua — the electrochemistry API end to end: Butler–Volmer, .mpt
-- read/write on real and malformed files, the cell model, the fit of a
-- synthetic experiment written as .mpt, and the current fraction.
local T = require "tl.test"

local F, R = 96485.33212, 8.314462618

T.case("bv.overpotential equals the asinh closed form (alpha = 0.5)", function()
  local i, expect = {}, {}
  local temp, i0 = 298.15, 1.3
  for k = -40, 40 do
    local x = (k < 0 and -1 or 1) * 10 ^ (math.abs(k) / 4 - 5)
    i[#i + 1] = x
    -- asinh(y) = log(y + sqrt(y² + 1)) is inaccurate for small negative y: use the odd symmetry
    local y = math.abs(x) / (2 * i0)
    local ash = (y < 1e-4) and (y - y ^ 3 / 6 + 3 * y ^ 5 / 40) or math.log(y + math.sqrt(y * y + 1))
    expect[#expect + 1] = (x < 0 and -1 or 1) * R * temp / (0.5 * F) * ash
  end
  local eta = tl.bv.overpotential(i, {i0 = i0, alpha_a = 0.5, alpha_c = 0.5, T = temp})
  T.eq(#eta, #i)
  for k = 1, #i do T.near(eta[k], expect[k], 1e-12, "eta at i = " .. i[k]) end
end)

T.case("bv asymmetric round trip eta -> i -> eta", function()
  local eta = {}
  for k = -50, 50 do if k ~= 0 then eta[#eta + 1] = k * 0.013 end end
  local p = {i0 = 0.8, alpha_a = 0.3, alpha_c = 0.7}
  local i = tl.bv.current(eta, p)
  local back = tl.bv.overpotential(i, p)
  for k = 1, #eta do T.near(back[k], eta[k], 1e-12) end
  -- positive current is anodic (stripping) and needs positive eta
  T.ok(i[#i] > 0 and i[1] < 0)
  -- a single number is a one-element array
  T.near(tl.bv.current(0.05, p)[1], i[1] * 0 + tl.bv.current({0.05}, p)[1], 0)
end)

T.case("bv rejects bad parameters", function()
  T.raises(function() tl.bv.overpotential({1}, {i0 = 0}) end, "i0")
  T.raises(function() tl.bv.overpotential({1}, {i0 = 1, alpha_a = -0.2}) end, "alpha_a")
  T.raises(function() tl.bv.overpotential({1}, {i0 = 1, alpha = 0.5}) end, "has no option 'alpha'")
end)

local real = {
  {"yadg_cp.issue_149.mpt", 44, 27, "time/s", 10.99979972212168, 619.8849973901961, "Ewe/V", 3.4244580, 3.4449370},
  {"yadg_gcpl.issue_226.I.mpt", 15, 41, "time/s", 0.04819999878236558, 118.8655969972024, "I/mA", 0,
   -0.1199578598643252},
  {"yadg_mb.issue_95.de.mpt", 33, 29, "Ewe/V", 2.3278546, 2.3260789, "I/mA", 0, -64.980278},
}

T.case("read_mpt reads the three real EC-Lab exports", function()
  for _, c in ipairs(real) do
    local path = T.shared("mpt/" .. c[1])
    if not path then return end
    local m = tl.read_mpt(path)
    T.eq(m.rows, c[2], c[1] .. " rows")
    T.eq(#m.names, c[3], c[1] .. " columns")
    local a, b = m.columns[c[4]], m.columns[c[7]]
    T.eq(#a, c[2])
    T.near(a[1], c[5], 1e-15); T.near(a[#a], c[6], 1e-15)
    T.near(b[1], c[8], 1e-15); T.near(b[#b], c[9], 1e-15)
    T.eq(m.units["time/s"], "s")
    T.ok(m.columns["Capacitance charge/µF"], c[1] .. ": Latin-1 µ read as UTF-8")
    T.eq(m.path, path)
    T.ok(m.header:find("Run on channel", 1, true))
  end
end)

T.case("read_mpt: malformed files give errors naming file and line", function()
  local d = "tests/data/mpt/"
  T.raises(function() tl.read_mpt(d .. "header_count_too_large.mpt") end,
    "header_count_too_large.mpt' line 10 should name the columns but holds numbers")
  T.raises(function() tl.read_mpt(d .. "header_count_too_small.mpt") end, "header line count")
  T.raises(function() tl.read_mpt(d .. "header_count_past_end.mpt") end,
    "line 2 says 'Nb header lines : 99' but the file ends at line 9")
  T.raises(function() tl.read_mpt(d .. "missing_column.mpt") end,
    "missing_column.mpt' line 11 has 3 fields but the column line (line 8) names 4 columns")
  T.raises(function() tl.read_mpt(d .. "text_in_number.mpt") end,
    "text_in_number.mpt' line 10: field 2 (Ewe/V) is 'overload', not a number")
  T.raises(function() tl.read_mpt(d .. "empty_data.mpt") end, "empty_data.mpt' has no data rows")
  T.raises(function() tl.read_mpt(d .. "not_mpt.mpt") end, "not_mpt.mpt' line 1: expected 'EC-Lab ASCII FILE'")
  T.raises(function() tl.read_mpt(d .. "good_comma.mpt", {require = {"Ewe/V", "Q charge/mA.h"}}) end,
    "has no column 'Q charge/mA.h'")
  T.raises(function() tl.read_mpt(d .. "nothing_here.mpt") end, "cannot open")
end)

T.case("write_mpt round trip of a real file (point and comma)", function()
  local path = T.shared("mpt/yadg_gcpl.issue_226.I.mpt")
  if not path then return end
  local m = tl.read_mpt(path)
  local dir = T.tmpdir()
  for _, dec in ipairs({"point", "comma"}) do
    local out = dir .. "/copy_" .. dec .. ".mpt"
    T.eq(tl.write_mpt(out, m.columns, {names = m.names, header = m.header, technique = m.technique,
                                       decimal = dec}), out)
    local c = tl.read_mpt(out)
    T.eq(c.rows, m.rows); T.eq(#c.names, #m.names); T.eq(c.header, m.header); T.eq(c.technique, m.technique)
    for k, name in ipairs(m.names) do
      T.eq(c.names[k], name)
      for r = 1, m.rows do T.near(c.columns[name][r], m.columns[name][r], 1e-15) end
    end
    local f = assert(io.open(out .. ".provenance.json")); f:close()
  end
  os.execute("rm -rf '" .. dir .. "'")
  T.raises(function() tl.write_mpt(dir .. "/x.mpt", {["a/V"] = {1, 2}, ["b/s"] = {1}}) end, "has 1 rows but")
  T.raises(function() tl.write_mpt("/no/such/dir/x.mpt", {["a/V"] = {1}}) end, "write_mpt")
  T.raises(function() tl.write_mpt("x.mpt", {["a/V"] = {1}}, {names = {"b/V"}}) end, "names lists 'b/V'")
end)

-- A two-half-cycle experiment like seed 000's at 1 mA/cm² on a 2 mm cell:
-- contact at the bottom falls during the second half-cycle, interphase grows.
local scans = {0, 7200, 14400, 21600, 28800, 36000}
local top = {0.80, 0.78, 0.77, 0.77, 0.76, 0.76}
local bottom = {0.72, 0.70, 0.66, 0.60, 0.45, 0.38}
local interphase = {2, 6, 10, 13, 15, 16}
local times = {}
for k = 0, 360 do times[#times + 1] = k * 100 end
local I = 0.0314
local model = {time = times, step_times = {0, 19800}, step_currents = {I, -I},
  contact_time = scans, contact_top = top, contact_bottom = bottom,
  interphase_time = scans, interphase_thickness = interphase, electrolyte_thickness = 750,
  i0 = 1.3, kappa_interphase = 2e-4}
-- A fresh copy of the model's arguments, to change a few of them.
local function model_args()
  local t = {}
  for k, v in pairs(model) do t[k] = v end
  return t
end

T.case("cell_voltage: terms add up, signs follow the current", function()
  local r = tl.cell_voltage(model)
  T.eq(#r.voltage, #times)
  for k = 1, #times do
    T.near(r.voltage[k], r.eta_top[k] - r.eta_bottom[k] + r.ohmic_electrolyte[k] + r.ohmic_interphase[k], 1e-14)
  end
  T.ok(r.voltage[1] > 0 and r.voltage[#times] < 0, "V has the sign of I")
  T.ok(r.eta_top[1] > 0 and r.eta_bottom[1] < 0)
  -- i_top = I / A_top in mA/cm² (mm² -> cm²: × 100)
  T.near(r.i_top[1], I / 0.80 * 100, 1e-14)
  T.near(r.i_bottom[#times], I / 0.38 * 100, 1e-14)
  T.near(r.ohmic_electrolyte[1], (r.i_top[1] - r.i_bottom[1]) / 2 * 1e-7 * 750 / 2.1e-3, 1e-14)
  -- symmetric BV: each overpotential is (2RT/F) asinh(i / 2 i0)
  local y = r.i_top[1] / 2.6
  T.near(r.eta_top[1], 2 * R * 298.15 / F * math.log(y + math.sqrt(y * y + 1)), 1e-12)
  T.raises(function()
    local bad = model_args()
    bad.contact_bottom = {0.72, 0.70, 0.66, 0.60, 0.45, 0}
    tl.cell_voltage(bad)
  end, "bottom contact area is 0 mm² at t = 36000 s")
  T.raises(function()
    local bad = model_args()
    bad.kappa_interphase = nil
    tl.cell_voltage(bad)
  end, "kappa_interphase (S/cm) is required")
end)

T.case("synthetic .mpt -> read_mpt -> fit_cell recovers i0 and kappa within 2%", function()
  local dir = T.tmpdir()
  local path = dir .. "/demo_cell.mpt"
  local opts = model_args()
  opts.noise, opts.seed = 5e-4, 11
  local s = tl.synthetic_mpt(path, opts)
  T.eq(s.path, path)
  local m = tl.read_mpt(path, {require = {"time/s", "Ewe/V", "I/mA"}})
  T.eq(m.rows, #times)
  for k = 1, m.rows do T.near(m.columns["Ewe/V"][k], s.voltage[k], 1e-15) end
  T.ok(m.header:find("Synthetic curve written by tomolith", 1, true))

  local fit = model_args()
  fit.step_times, fit.step_currents = nil, nil
  fit.time, fit.current, fit.voltage = m.columns["time/s"], m.columns["I/mA"], m.columns["Ewe/V"]
  fit.i0, fit.kappa_interphase = 0.2, 1e-3 -- start far from the truth
  fit.window = {0, 19799}
  local f = tl.fit_cell(fit)
  T.ok(f.converged)
  T.near(f.values.i0, 1.3, 0.02, "i0")
  T.near(f.values.kappa_interphase, 2e-4, 0.02, "kappa_interphase")
  T.ok(f.std_errors.i0 > 0 and f.std_errors.i0 < 0.05)
  T.near(f.rms, 5e-4, 0.25, "rms ~ noise")
  T.eq(#f.fitted, 198); T.eq(#f.time, 198); T.eq(f.time[#f.time], 19700)

  -- Predict the second half-cycle; less contact, more voltage (seed 000, Fig. 4b).
  local prev = 0
  for _, scale in ipairs({1, 0.25, 0.01}) do
    local p = model_args()
    for k, v in pairs(f.params) do p[k] = v end
    p.contact_scale = scale
    local r = tl.cell_voltage(p)
    local v_end = r.voltage[#times]
    if scale == 1 then T.ok(math.abs(v_end - m.columns["Ewe/V"][#times]) < 3e-3, "prediction matches") end
    T.ok(math.abs(v_end) > prev, "voltage grows as contact shrinks")
    prev = math.abs(v_end)
  end

  T.raises(function() fit.fit = {"i0", "beta"}; tl.fit_cell(fit) end, "fit names 'beta'")
  fit.fit = nil
  T.raises(function() fit.window = {100, 150}; tl.fit_cell(fit) end, "holds 1 samples")
  os.execute("rm -rf '" .. dir .. "'")
end)

T.case("synthetic_mpt: same seed, same file", function()
  local dir = T.tmpdir()
  local opts = model_args()
  opts.seed = 5
  local a = tl.synthetic_mpt(dir .. "/a.mpt", opts)
  local b = tl.synthetic_mpt(dir .. "/b.mpt", opts)
  opts.seed = 6
  local c = tl.synthetic_mpt(dir .. "/c.mpt", opts)
  local function read(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
  T.eq(read(dir .. "/a.mpt"), read(dir .. "/b.mpt"))
  T.ok(read(dir .. "/a.mpt") ~= read(dir .. "/c.mpt"))
  T.ok(a.voltage[10] == b.voltage[10] and a.voltage[10] ~= c.voltage[10])
  os.execute("rm -rf '" .. dir .. "'")
end)

T.case("synthetic_mpt: steps, rests, half cycles and charge columns", function()
  local dir = T.tmpdir()
  local t = {}
  for k = 0, 49 do t[#t + 1] = k * 10 end
  local s = tl.synthetic_mpt(dir .. "/steps.mpt", {time = t, step_times = {0, 100, 200, 300, 400},
    step_currents = {0.02, 0, -0.02, 0, 0.02}, contact_time = {0}, contact_top = {0.5}, contact_bottom = {0.5},
    electrolyte_thickness = 500, i0 = 2, noise = 0, decimal = "comma"})
  local m = tl.read_mpt(s.path)
  local c = m.columns
  local function at(time) return math.floor(time / 10) + 1 end
  T.eq(c["half cycle"][at(50)], 0); T.eq(c["half cycle"][at(150)], 0)
  T.eq(c["half cycle"][at(250)], 1); T.eq(c["half cycle"][at(350)], 1); T.eq(c["half cycle"][at(450)], 2)
  T.eq(c["Ns"][at(50)], 0); T.eq(c["Ns"][at(250)], 2); T.eq(c["Ns"][at(450)], 4)
  T.eq(c["mode"][at(150)], 3); T.eq(c["mode"][at(250)], 1)
  T.eq(c["ox/red"][at(50)], 1); T.eq(c["ox/red"][at(250)], 0)
  T.eq(c["Ewe/V"][at(150)], 0, "no current, no voltage")
  -- charge: 0.02 mA for 100 s = 0.02/36 mA.h, then back to zero after the reverse step
  T.near(c["(Q-Qo)/mA.h"][at(100)], 0.02 * 100 / 3600, 1e-12)
  T.near(c["(Q-Qo)/mA.h"][at(300)], 0, 1e-12)
  os.execute("rm -rf '" .. dir .. "'")
end)

T.case("current_fraction reproduces a hand computation", function()
  local current, duration = 0.0314159, 19800
  local dv = 0.72 * current * 1e-3 * duration / F * 13.0 * 1e12 -- µm³
  T.near(tl.current_fraction{volume_loss = dv, current = current, duration = duration}, 0.72, 1e-14)
  T.near(tl.current_fraction{volume_loss = 1e9, current = 10, duration = 1000}, 1e-3 / 13 * F / 10, 1e-14)
  T.raises(function() tl.current_fraction{volume_loss = 1, current = 0, duration = 1} end, "current")
end)

T.done()
