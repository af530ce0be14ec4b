-- Shared by the wrk scripts: counts GraphQL errors per thread and prints one
-- machine-readable summary line (BENCH_RESULT) that bench/run parses.
local common = {}

local threads = {}

function common.threads()
  return threads
end

function common.setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

-- Call from response(): a GraphQL error comes with HTTP 200, so wrk alone would
-- count it as a success.
function common.check(body)
  if body == nil or string.find(body, '"errors"', 1, true) then
    graphql_errors = (graphql_errors or 0) + 1
    if graphql_errors == 1 and body ~= nil then
      first_error = string.sub(body, 1, 300)
    end
  end
end

function common.done(summary, latency, extra)
  local errors = 0
  local sample = nil
  for _, thread in ipairs(threads) do
    errors = errors + (thread:get("graphql_errors") or 0)
    sample = sample or thread:get("first_error")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d graphql_errors=%d socket_errors=%d non_2xx=%d %s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors, e.connect + e.read + e.write + e.timeout, e.status, extra or ""))
  if sample then
    io.write("BENCH_FIRST_ERROR " .. string.gsub(sample, "\n", " ") .. "\n")
  end
end

return common
