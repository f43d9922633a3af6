-- A recipe that declares parameters and echoes them (used by tests/lua/cli.lua).
local P = tl.params { current_mA = 0.5, name = "demo", auto = true, crop_z = { 10, 20 } }
print(string.format("current_mA=%s name=%s auto=%s crop_z=%s", P.current_mA, P.name, tostring(P.auto),
  table.concat(P.crop_z, ",")))
print("args=" .. table.concat(arg, ","), "script=" .. arg[0])
