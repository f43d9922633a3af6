-- tl.view — look at something now: writes a PNG and prints its path.
--
--   tl.view(recon)                  -- a volume: its middle z-slice, grey
--                                      (window: 0.5-99.5 percentiles)
--   tl.view(contact_map)            -- a 2D map (nz = 1): viridis + colour bar
--   tl.view{series = {...}, xlabel = "Time (h)"}   -- a plot spec for tl.plot
--   tl.view{{x = t, y = v}, {x = t, y = a, axis = "right"}}  -- a list of series
--   tl.view({1, 4, 9, 16})          -- an array of numbers: y against 1..n
--   tl.view(v, {z = 12, colormap = "magma", dir = "out/look"})
--
-- Options: `dir` (folder, default $TL_VIEW_DIR or the temp folder), `name`
-- (file name without .png), `z` (slice of a volume, 1-based; default the
-- middle), `out` (full path); any other option goes to the operator
-- (tl.show_map or tl.plot), so tl.view(m, {range = {0, 1}}) works.
-- Returns the path.
--
-- The module is a callable table: `require "tl.view"(x)` works, and
-- `attach(tl)` sets tl.view (tl.init calls it when the module is present).
local M = {}

local counter = 0

local function default_dir()
  local d = os.getenv("TL_VIEW_DIR")
  if d and d ~= "" then return d end
  return os.getenv("TMPDIR") or "/tmp"
end

-- A fresh file name: tl_view_<time>_<n>.png, unique within a session and,
-- through os.tmpname, across sessions sharing the folder.
local function next_path(opts)
  if opts.out then return opts.out end
  local dir = opts.dir or default_dir()
  counter = counter + 1
  local name = opts.name
  if not name then
    local tmp = os.tmpname()           -- unique per process
    os.remove(tmp)
    name = string.format("tl_view_%s_%d", tmp:match("([^/]+)$"):gsub("%W", ""), counter)
  end
  return dir .. "/" .. name .. ".png"
end

local function is_volume(x)
  return type(x) == "userdata" and type(x.shape) == "function" and pcall(x.shape, x)
end

local function is_number_array(t)
  return type(t) == "table" and #t > 0 and type(t[1]) == "number"
end

local function copy_options(opts, skip)
  local o = {}
  for k, v in pairs(opts) do if not skip[k] then o[k] = v end end
  return o
end

local own = { dir = true, name = true, out = true, z = true }

-- Grey window of a reconstructed slice: its 0.5 and 99.5 percentiles (from
-- a 1024-bin histogram), so a few bright artefacts do not wash it out.
local function robust_range(map)
  local st = map:stats { bins = 1024 }
  if not st.hist or st.count == 0 then return nil end
  local cut, acc, lo, hi = 0.005 * st.count, 0, nil, nil
  for i = 1, #st.hist do
    acc = acc + st.hist[i]
    if acc > cut then lo = st.edges[i]; break end
  end
  acc = 0
  for i = #st.hist, 1, -1 do
    acc = acc + st.hist[i]
    if acc > cut then hi = st.edges[i + 1]; break end
  end
  if lo and hi and hi > lo then return { lo, hi } end
  return nil
end

function M.view(x, opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("tl.view: options must be a table", 2) end
  local tl = require "tl"
  local path = next_path(opts)
  local o = copy_options(opts, own)
  o.out = path
  if is_volume(x) then
    local nz = x:shape()
    local map = x
    if nz > 1 then
      local z = opts.z or (nz + 1) // 2
      if math.type(z) ~= "integer" or z < 1 or z > nz then
        error(string.format("tl.view: z = %s is outside 1..%d", tostring(z), nz), 2)
      end
      map = x:slice("z", z)
      o.colormap = o.colormap or "gray"
      if not o.colours then o.range = o.range or robust_range(map) end
      o.title = o.title or string.format("z = %d of %d", z, nz)
    end
    tl.show_map(map, o)
  elseif is_number_array(x) then
    o.series = { { y = x } }
    tl.plot(o)
  elseif type(x) == "table" and x.series then
    local spec = copy_options(x, {})
    for k, v in pairs(o) do spec[k] = v end
    tl.plot(spec)
  elseif type(x) == "table" and type(x[1]) == "table" then
    o.series = x
    tl.plot(o)
  else
    error("tl.view: expected a volume, a 2D map, a plot spec {series = ...}, a list of series "
      .. "or an array of numbers, got " .. type(x), 2)
  end
  print(path)
  return path
end

function M.attach(tl)
  tl.view = M.view
end

return setmetatable(M, { __call = function(_, ...) return M.view(...) end })
