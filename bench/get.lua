-- wrk script shared by bench/reports.sh, bench/election-night.sh and bench/situation.sh: GET the paths of
-- $WRK_PATHS (separated by spaces) in turn, with $WRK_AUTH as the Authorization header and
-- $WRK_COOKIE as the Cookie header (pages) when set; with $WRK_DELAY_MS each connection pauses that
-- long before each request (a paced reader); counts answers outside 2xx. done() prints one line:
--   RESULT requests=N rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E errors=F
local threads = {}
function setup(thread) table.insert(threads, thread) end
bad = 0
local paths, n = {}, 0
for p in os.getenv("WRK_PATHS"):gmatch("%S+") do paths[#paths + 1] = p end
local auth, headers = os.getenv("WRK_AUTH"), {}
if auth and auth ~= "" then headers["Authorization"] = auth end
local cookie = os.getenv("WRK_COOKIE")
if cookie and cookie ~= "" then headers["Cookie"] = cookie end
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "")
if pause and pause > 0 then
  function delay() return pause end
end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], headers)
end
function response(status, hdrs, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local non2xx = 0
  for _, t in ipairs(threads) do non2xx = non2xx + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, non2xx,
    e.connect + e.read + e.write + e.timeout))
end
