-- tl.init — pure-Lua parts of the `tl` table, loaded by the host after the
-- native operators are registered.
local tl = require "tl"

tl.params = require "tl.params"

-- Optional modules of the standard library attach themselves when present.
for _, name in ipairs({ "tl.view", "tl.report" }) do
  local ok, mod = pcall(require, name)
  if ok then
    if type(mod) == "table" and mod.attach then mod.attach(tl) end
  elseif not tostring(mod):find("module '" .. name .. "' not found", 1, true) then
    error(mod, 0) -- the module exists but is broken: say so
  end
end

return true -- (not tl: package.loaded would name operators twice in tracebacks)
