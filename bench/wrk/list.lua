-- GET /api/v1/tickets?status=open (the first page of one filter).
package.path = package.path .. ";" .. os.getenv("WRK_DIR") .. "/?.lua"
local common = require("common")
common.setup_headers()
wrk.path = "/api/v1/tickets?status=open"
done = common.done
