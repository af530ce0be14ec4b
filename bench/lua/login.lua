-- The login mutation for ordinary seeded users picked at random (all share the
-- known password from $BENCH_PASSWORD), as many sign-ins at once would.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local password = os.getenv("BENCH_PASSWORD")
local users = tonumber(os.getenv("BENCH_USERS") or "10000")

function setup(thread)
  common.setup(thread)
end

function init(args)
  math.randomseed(1000 + (thread_index or 0))
end

function request()
  -- user00100 and up are ordinary users; the personas' sessions stay untouched.
  local username = string.format("user%05d", math.random(100, users - 1))
  local body = string.format(
    '{"query":"mutation($u: String!, $p: String!){ login(username: $u, password: $p){ accessToken } }","variables":{"u":"%s","p":"%s"}}',
    username, password)
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  common.check(body)
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
