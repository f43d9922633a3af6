-- tl.report: Markdown report, CSV tables with provenance sidecars.
local T = require "tl.test"
local dir = T.tmpdir()

local function read(path)
  local f = assert(io.open(path))
  local s = f:read("a")
  f:close()
  return s
end

T.case("report with a table, a figure and provenance", function()
  local R = tl.report.new { dir = dir, title = "Cell 7" }
  R:section("Contact")
  R:text("Contact is lost at the stripping interface.")
  R:table { name = "contact", columns = { "scan", "area_mm2" }, rows = { { 1, 0.5 }, { scan = 2, area_mm2 = 0.25 } },
    caption = "Contact area" }
  R:figure("map.png", "Top interface")
  local path = R:write()
  local md = read(path)
  T.ok(md:find("# Cell 7", 1, true))
  T.ok(md:find("| 2 | 0.25 |", 1, true), md)
  T.ok(md:find("![Top interface](map.png)", 1, true))
  T.ok(md:find('"tomolith_version": "' .. tl.version .. '"', 1, true))
  T.eq(read(dir .. "/contact.csv"), "scan,area_mm2\n1,0.5\n2,0.25\n")
  T.ok(read(dir .. "/contact.csv.provenance.json"):find("created_utc", 1, true))
end)

T.case("CSV quoting", function()
  tl.write_csv(dir .. "/q.csv", { "name", "x" }, { { 'a,"b"', 1.5 } })
  T.eq(read(dir .. "/q.csv"), 'name,x\n"a,""b""",1.5\n')
end)

os.execute("rm -rf '" .. dir .. "'")
T.done()
