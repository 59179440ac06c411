-- wrk script of bench/login-rush.sh: POST $RUSH_PATH with a JSON body per request.
-- $RUSH_KIND "login": {"username": $RUSH_USER, "password": $RUSH_PASSWORD} every time;
-- "enrol": {"code": …} with the codes of $RUSH_CODES (one per line), thread k of $THREADS
-- taking lines k, k+N, … so that each code is sent once. done() prints one line:
--   RUSH requests=N ok=K refused429=R other=O rps_ok=X p50_ms=A p99_ms=B
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
ok, busy, other = 0, 0, 0
local kind, body, codes, k, step = os.getenv("RUSH_KIND"), nil, {}, 0, 1
function init(args)
  if kind == "enrol" then
    step = tonumber(os.getenv("THREADS"))
    local i = 0
    for line in io.lines(os.getenv("RUSH_CODES")) do
      if i % step == id then codes[#codes + 1] = line end
      i = i + 1
    end
  else
    body = string.format('{"username":"%s","password":"%s"}', os.getenv("RUSH_USER"), os.getenv("RUSH_PASSWORD"))
  end
end
local headers = { ["Content-Type"] = "application/json" }
function request()
  if kind == "enrol" then
    k = k + 1
    if k > #codes then k = #codes end
    body = '{"code":"' .. codes[k] .. '"}'
  end
  return wrk.format("POST", os.getenv("RUSH_PATH"), headers, body)
end
function response(status, hdrs, b)
  if status == 200 then ok = ok + 1 elseif status == 429 then busy = busy + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local o, b, x = 0, 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("busy"); x = x + t:get("other") end
  io.write(string.format("RUSH requests=%d ok=%d refused429=%d other=%d rps_ok=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, o, b, x, o / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
