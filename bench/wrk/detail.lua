-- GET /api/v1/tickets/SUS-n, n random over every ticket (SUSTAIN_HIGHEST is the newest number).
-- A number that no ticket has (a creation that rolled back still used its id) answers 404;
-- those are counted apart as "missing", not as errors.
package.path = package.path .. ";" .. os.getenv("WRK_DIR") .. "/?.lua"
local common = require("common")
common.setup_headers()
local highest = tonumber(os.getenv("SUSTAIN_HIGHEST"))
local prefix = os.getenv("SUSTAIN_PREFIX") or "SUS"

local threads = {}

function setup(thread)
  common.setup(thread)
  thread:set("missing", 0)
  table.insert(threads, thread)
end

init = common.init

function request()
  return wrk.format("GET", "/api/v1/tickets/" .. prefix .. "-" .. math.random(1, highest))
end

function response(status, headers, body)
  if status == 404 then
    missing = missing + 1
  end
end

function done(summary, latency, requests)
  local count = 0
  for _, thread in ipairs(threads) do
    count = count + thread:get("missing")
  end
  common.done(summary, latency, requests, count)
end
