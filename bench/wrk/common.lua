-- Shared by the scenario scripts: the token header and a summary line with p50/p95/p99.
local M = {}

function M.setup_headers()
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("SUSTAIN_TOKEN")
  wrk.headers["Content-Type"] = "application/json"
end

-- Each thread gets its own random seed, so the threads do not send the same sequence.
function M.setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function M.init(args)
  math.randomseed(seed)
end

-- missing: answers that the scenario expects to fail (a 404 for a number with no ticket); they
-- are taken out of the errors and shown on their own.
function M.done(summary, latency, requests, missing)
  missing = missing or 0
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout - missing
  io.write(string.format(
    "RESULT requests=%d errors=%d missing=%d rps=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f"
      .. " max_ms=%.1f\n",
    summary.requests, errors, missing, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end

return M
