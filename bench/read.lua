-- wrk script for bench/read.sh.
-- Without WRK_PATH: every connection rotates over the mix of region pages and API reads below
-- (each thread starts at a different offset). With WRK_PATH=/some/url: that URL only.
-- done() prints one machine-readable line:
--   RESULT requests=N rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E errors=F

local mix = {
  "/api/v1/regions/35",
  "/api/v1/regions/35.17",
  "/api/v1/regions/35.17.01",
  "/api/v1/regions/35.17.01.2001",
  "/api/v1/regions/35.17/children",
  "/api/v1/regions?q=balongsari",
  "/api/v1/elections/pemilu-2024/tps?region=35.17&limit=100",
  "/api/v1/elections/pemilu-2024/tps/35.17.01.2001.001",
  "/wilayah",
  "/wilayah/35",
  "/wilayah/35.17",
  "/wilayah/35.17.01",
  "/wilayah/35.17.01.2001",
  "/cari?q=balongsari",
}

local single = os.getenv("WRK_PATH")
local paths = single and { single } or mix

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- per-thread globals (thread:get reads globals)
i = 0
bad = 0

function init(args)
  i = (id or 0) * 7
  bad = 0
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do
    non200 = non200 + (t:get("bad") or 0)
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non200=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, non200, errors))
end
