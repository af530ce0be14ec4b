-- One fixed GraphQL request, POSTed again and again: the JSON body is read from
-- $BENCH_BODY_FILE and the access token from $BENCH_TOKEN.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")

setup = common.setup

function response(status, headers, body)
  common.check(body)
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
