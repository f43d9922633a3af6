-- The command line: -e, -p, recipe arguments, errors and exit codes.
local T = require "tl.test"
local bin = arg[-1] or "./tomolith"

local function run(args)
  local f = io.popen(bin .. " " .. args .. " 2>&1; echo \"rc=$?\"")
  local out = f:read("a")
  f:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return out:gsub("rc=%d+%s*$", ""), rc
end

T.case("--version and --help", function()
  local out, rc = run("--version")
  T.eq(rc, 0)
  T.ok(out:find("^tomolith " .. tl.version), out)
  out, rc = run("--help")
  T.eq(rc, 0)
  T.ok(out:find("-p NAME=VALUE", 1, true), out)
end)

T.case("-e runs code; errors print a traceback and exit 1", function()
  local out, rc = run("-e 'print(1 + 1)'")
  T.eq(rc, 0); T.eq(out, "2\n")
  out, rc = run("-e 'tl.full(0, 1, 1)'")
  T.eq(rc, 1)
  T.ok(out:find("full: argument 'nz' must be >= 1 (got 0)", 1, true), out)
  T.ok(out:find("stack traceback", 1, true), out)
end)

T.case("recipe parameters: defaults, -p overrides, types, unknown names", function()
  local out, rc = run("tests/data/recipes/params.lua a b")
  T.eq(rc, 0)
  T.ok(out:find("current_mA=0.5 name=demo auto=true crop_z=10,20", 1, true), out)
  T.ok(out:find("args=a,b", 1, true), out)
  out, rc = run("-p current_mA=2 tests/data/recipes/params.lua x -p auto=no -p crop_z=3,9")
  T.eq(rc, 0)
  T.ok(out:find("current_mA=2 name=demo auto=false crop_z=3,9", 1, true), out)
  T.ok(out:find("args=x", 1, true), out)
  out, rc = run("tests/data/recipes/params.lua -p current_mA=lots")
  T.eq(rc, 1)
  T.ok(out:find("parameter 'current_mA' must be a number, got 'lots'", 1, true), out)
  out, rc = run("tests/data/recipes/params.lua -p curent_mA=1")
  T.eq(rc, 1)
  T.ok(out:find("this recipe has no parameter 'curent_mA' (it declares: auto, crop_z, current_mA, name)", 1, true), out)
  out, rc = run("tests/data/recipes/params.lua -p oops")
  T.eq(rc, 1)
  T.ok(out:find("-p expects NAME=VALUE", 1, true), out)
end)

T.case("missing recipe and unknown option", function()
  local out, rc = run("no/such/recipe.lua")
  T.eq(rc, 1)
  T.ok(out:find("cannot open recipe 'no/such/recipe.lua'", 1, true), out)
  out, rc = run("--frobnicate")
  T.eq(rc, 1)
  T.ok(out:find("unrecognized option '--frobnicate'", 1, true), out)
end)

T.case("--docs prints the operator reference", function()
  local out, rc = run("--docs")
  T.eq(rc, 0)
  T.ok(out:find("# Operator reference", 1, true))
  T.ok(out:find("### `tl.crop`", 1, true))
end)

T.case("help() lists groups and help(name) describes one", function()
  local out = run("-e 'help()'")
  T.ok(out:find("Volumes:", 1, true), out)
  out = run("-e 'help(\"crop\")'")
  T.ok(out:find("tl.crop(volume, {...})", 1, true), out)
  out = run("-e 'help(tl.stats)'")
  T.ok(out:find("Min, max, mean, std", 1, true), out)
  local _, rc = run("-e 'help(\"nosuch\")'")
  T.eq(rc, 1)
end)

T.case("tab completion offers tl names and volume methods", function()
  local function has(list, x)
    for _, v in ipairs(list) do if v == x then return true end end
    return false
  end
  T.ok(has(tl._complete("tl.cr"), "tl.crop"))
  T.ok(has(tl._complete("tl.dx"), "tl.dxchange"))
  v_for_completion = tl.full(1, 1, 1)
  local m = tl._complete("v_for_completion:st")
  T.ok(has(m, "v_for_completion:stats"), table.concat(m, " "))
  T.ok(has(tl._complete("whi"), "while"))
  T.eq(#tl._complete("tl.nosuchthing"), 0)
end)

T.case("the same seed and parameters give byte-identical scan files", function()
  local dir = T.tmpdir()
  local code = "local c = tl.phantom.cell{nz = 100, ny = 48, nx = 48, li_thickness = 30, pellet_thickness = 60, seed = 5}; " ..
    "tl.project(c:mu(), {path = arg[1], n_angles = 12, seed = 9})"
  local f = io.open(dir .. "/make.lua", "w"); f:write(code); f:close()
  for _, name in ipairs { "a.h5", "b.h5" } do
    -- SOURCE_DATE_EPOCH pins the provenance time stamp
    local ok = os.execute(string.format("SOURCE_DATE_EPOCH=1700000000 %s --quiet %s/make.lua %s/%s", bin, dir, dir, name))
    T.ok(ok == true or ok == 0, "writing " .. name)
  end
  local function read(p) local h = assert(io.open(p, "rb")); local s = h:read("a"); h:close(); return s end
  T.ok(#read(dir .. "/a.h5") > 1000)
  T.ok(read(dir .. "/a.h5") == read(dir .. "/b.h5"), "a.h5 and b.h5 differ")
  os.execute("rm -rf '" .. dir .. "'")
end)

T.case("Ctrl-C stops a running loop; the REPL survives it", function()
  local f = io.popen("{ " .. bin .. " -e 'while true do end' & p=$!; sleep 0.5; kill -INT $p; wait $p; echo rc=$?; } 2>&1")
  local out = f:read("a")
  f:close()
  T.ok(out:find("interrupted!", 1, true), out)
  T.ok(out:find("rc=1", 1, true), out)
  f = io.popen("{ echo 'while true do end'; sleep 1.5; echo 'print(\"alive\")'; } | { exec 3<&0; " .. bin ..
    " <&3 & p=$!; sleep 0.7; kill -INT $p; wait $p; } 2>&1")
  out = f:read("a")
  f:close()
  T.ok(out:find("interrupted!", 1, true), out)
  T.ok(out:find("alive", 1, true), out)
end)

T.done()
