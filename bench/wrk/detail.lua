-- GET /api/v1/tickets/SUS-n, n random over every ticket (SUSTAIN_HIGHEST is the newest number).
package.path = package.path .. ";" .. os.getenv("WRK_DIR") .. "/?.lua"
local common = require("common")
common.setup_headers()
local highest = tonumber(os.getenv("SUSTAIN_HIGHEST"))
local prefix = os.getenv("SUSTAIN_PREFIX") or "SUS"

setup = common.setup
init = common.init

function request()
  return wrk.format("GET", "/api/v1/tickets/" .. prefix .. "-" .. math.random(1, highest))
end

done = common.done
