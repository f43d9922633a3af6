-- tl.test — a tiny test harness for Lua API tests and recipe checks.
--   local T = require "tl.test"
--   T.case("contact area", function() T.near(area, 0.42, 1e-3) end)
--   T.done()   -- prints "N passed, N failed", exits non-zero on failure
local T = {}
local passed, failed = 0, 0

local function where(level)
  local info = debug.getinfo(level + 1, "Sl")
  return info and (info.short_src .. ":" .. info.currentline) or "?"
end

function T.case(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
    print("ok " .. name)
  else
    failed = failed + 1
    print("FAIL " .. name .. "\n  " .. tostring(err):gsub("\n", "\n  "))
  end
end

function T.ok(cond, msg)
  if not cond then error((msg or "assertion failed") .. " at " .. where(2), 2) end
end

function T.eq(a, b, msg)
  if a ~= b then
    error(string.format("%s: %s ~= %s at %s", msg or "not equal", tostring(a), tostring(b), where(2)), 2)
  end
end

-- |a - b| <= rtol * |b| (or <= rtol when b == 0)
function T.near(a, b, rtol, msg)
  rtol = rtol or 1e-9
  local tol = rtol * (b == 0 and 1 or math.abs(b))
  if type(a) ~= "number" or not (math.abs(a - b) <= tol) then
    error(string.format("%s: %.17g observed vs %.17g expected (rtol %g) at %s",
      msg or "not near", tonumber(a) or 0 / 0, b, rtol, where(2)), 2)
  end
end

-- fn must raise an error whose message contains `pattern` (plain text).
function T.raises(fn, pattern)
  local ok, err = pcall(fn)
  if ok then error("expected an error matching '" .. pattern .. "' at " .. where(2), 2) end
  if not tostring(err):find(pattern, 1, true) then
    error(string.format("error '%s' does not contain '%s' at %s", tostring(err), pattern, where(2)), 2)
  end
  return err
end

-- Path of a file in ../shared/data (TL_SHARED overrides ../shared), or nil
-- after printing a skip message.
function T.shared(rel)
  local root = os.getenv("TL_SHARED") or "../shared"
  local path = root .. "/data/" .. rel
  local f = io.open(path, "rb")
  if f then f:close() return path end
  print("skip: " .. path .. " not found (../shared/data is absent)")
  return nil
end

-- A fresh temporary folder, removed by the caller or left in /tmp.
function T.tmpdir()
  local name = os.tmpname()
  os.remove(name)
  assert(os.execute("mkdir -p '" .. name .. "'"))
  return name
end

function T.done()
  print(string.format("%d passed, %d failed", passed, failed))
  if failed > 0 then os.exit(1) end
end

return T
