-- tl.params — a recipe's parameters, declared once with their defaults.
--
--   local P = tl.params{ scans = "datasets/demo/scan_*.h5", current_mA = 0.5,
--                        auto_thresholds = true, crop_z = {40, 120} }
--
-- `tomolith recipe.lua -p current_mA=1.0 -p crop_z=30,100` overrides them.
-- A value from the command line takes the type of its default (number,
-- boolean, string, or a comma-separated list for a table default); a name
-- the recipe does not declare is an error. Every final value is recorded
-- in the provenance of the files the recipe writes.
local tl = require "tl"

local function convert(name, text, default)
  local kind = type(default)
  if kind == "number" then
    local v = tonumber(text)
    if not v then error(string.format("parameter '%s' must be a number, got '%s'", name, text), 3) end
    return v
  elseif kind == "boolean" then
    local t = text:lower()
    if t == "true" or t == "1" or t == "yes" or t == "on" then return true end
    if t == "false" or t == "0" or t == "no" or t == "off" then return false end
    error(string.format("parameter '%s' must be true or false, got '%s'", name, text), 3)
  elseif kind == "table" then
    local list = {}
    for item in text:gmatch("[^,]+") do
      item = item:match("^%s*(.-)%s*$")
      local elem = default[1]
      if type(elem) == "number" then
        local v = tonumber(item)
        if not v then error(string.format("parameter '%s' must be a list of numbers, got '%s'", name, text), 3) end
        list[#list + 1] = v
      else
        list[#list + 1] = item
      end
    end
    return list
  end
  return text
end

local function show(v)
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = tostring(x) end
    return table.concat(parts, ",")
  end
  return tostring(v)
end

local function params(decl)
  if type(decl) ~= "table" then error("tl.params expects a table of name = default", 2) end
  local given = tl._cli_params or {}
  for name in pairs(given) do
    if decl[name] == nil then
      local names = {}
      for k in pairs(decl) do names[#names + 1] = k end
      table.sort(names)
      error(string.format("this recipe has no parameter '%s' (it declares: %s)", name, table.concat(names, ", ")), 2)
    end
  end
  local out, names = {}, {}
  for name in pairs(decl) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local v = decl[name]
    if given[name] ~= nil then v = convert(name, given[name], decl[name]) end
    out[name] = v
    tl._record_param(name, show(v))
  end
  return out
end

return params
