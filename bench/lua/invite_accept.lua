-- Scenario 5: the inviter invites an invitee into one of its projects; when the
-- answer names the new invitation, the next request accepts it with the invitee's
-- token. Every (project, invitee) pair is used once: pair k is project k mod P and
-- invitee (k div P) mod I, threads take every n-th k from $BENCH_PAIR_OFFSET on, and
-- the summary reports where the next run must start (next_offset).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local function lines(path)
  local result = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(result, line) end
  end
  return result
end

local projects = lines(os.getenv("BENCH_PROJECTS_FILE"))
local invitees = {}       -- { email, token }
local token_of = {}
for _, line in ipairs(lines(os.getenv("BENCH_INVITEES_FILE"))) do
  local email, token = string.match(line, "^(%S+)%s+(%S+)$")
  table.insert(invitees, { email = email, token = token })
  token_of[email] = token
end
local inviter_token = os.getenv("BENCH_TOKEN")
local offset = tonumber(os.getenv("BENCH_PAIR_OFFSET") or "0")
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")

local started = 0   -- invitations this thread has asked for
local to_accept = {}  -- { id, token } in arrival order

function setup(thread)
  common.setup(thread)
end

local function post(token, body)
  return wrk.format("POST", "/graphql",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

function request()
  local next_accept = table.remove(to_accept, 1)
  if next_accept then
    return post(next_accept.token, string.format(
      '{"query":"mutation($id: ID!){ acceptInvitation(id: $id){ id role } }","variables":{"id":"%s"}}',
      next_accept.id))
  end
  local k = offset + thread_index + started * thread_count
  started = started + 1
  invites_started = started
  local project = projects[(k % #projects) + 1]
  local invitee = invitees[(math.floor(k / #projects) % #invitees) + 1]
  return post(inviter_token, string.format(
    '{"query":"mutation($input: InviteInput!){ invite(input: $input){ id email } }","variables":{"input":{"projectId":"%s","email":"%s","role":"CONTRIBUTOR"}}}',
    project, invitee.email))
end

function response(status, headers, body)
  common.check(body)
  local id, email = string.match(body or "", '"invite":{"id":"([^"]+)","email":"([^"]+)"}')
  if id then
    table.insert(to_accept, { id = id, token = token_of[email] })
  end
end

function done(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(common.threads()) do
    most = math.max(most, thread:get("invites_started") or 0)
  end
  common.done(summary, latency, string.format("next_offset=%d", offset + most * thread_count))
end
