-- POST /api/v1/tickets with a random kind, impact, urgency and team (SUSTAIN_TEAMS="1,2,3").
package.path = package.path .. ";" .. os.getenv("WRK_DIR") .. "/?.lua"
local common = require("common")
common.setup_headers()
local teams = {}
for id in string.gmatch(os.getenv("SUSTAIN_TEAMS") or "", "%d+") do teams[#teams + 1] = id end
local kinds = {"incident", "service_request", "bug"}
local levels = {"high", "medium", "low"}

setup = common.setup
init = common.init

function request()
  local body = string.format(
    '{"title": "Bench ticket %d: export times out", "description": "Created by bench/wrk.",'
      .. ' "kind": "%s", "impact": "%s", "urgency": "%s", "tags": ["bench"]%s}',
    math.random(1, 1000000), kinds[math.random(#kinds)], levels[math.random(#levels)],
    levels[math.random(#levels)],
    #teams > 0 and string.format(', "team_id": %s', teams[math.random(#teams)]) or "")
  return wrk.format("POST", "/api/v1/tickets", nil, body)
end

done = common.done
