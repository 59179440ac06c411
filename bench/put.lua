-- wrk script shared by bench/election-night.sh and bench/situation.sh.
-- PUT /api/v1/elections/pemilu-2024/results/{tps}/presiden. TPS from $SLICE ("index code dpt"
-- lines); thread k of $THREADS takes lines k, k+N, k+2N ... $MODE "single": one form per TPS
-- as $TOKEN_A; "double": each TPS twice in a row, as $TOKEN_A then $TOKEN_B (same numbers).
-- $SOURCE kpu or bawaslu; with bawaslu, every 10th TPS has one vote moved from 01 to 02.
-- Each 200 read appends "tps user status" to $ACKED.<thread>. With PARSE=0 (the timed phases)
-- a response is only counted by its status: the body is not read, so the generator spends on
-- Sinergi and on the bare server alike; what was acknowledged is checked in the database after.
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
ok, c4xx, c409, c422, c5xx, cother, replayed, sah, first_bad = 0, 0, 0, 0, 0, 0, 0, 0, ""
local list, k, step, mode, source, out, idem, parse = {}, 0, 1, "single", "kpu", nil, true, true
local auth = {}
function init(args)
  for line in io.lines(os.getenv("SLICE")) do
    local i, code, dpt = line:match("^(%d+) (%S+) (%d+)$")
    list[#list + 1] = { tonumber(i), code, tonumber(dpt) }
  end
  step = tonumber(os.getenv("THREADS"))
  mode = os.getenv("MODE")
  source = os.getenv("SOURCE")
  idem = os.getenv("IDEMPOTENCY") ~= "0"
  parse = os.getenv("PARSE") ~= "0"
  auth[0] = "Bearer " .. os.getenv("TOKEN_A")
  auth[1] = "Bearer " .. (os.getenv("TOKEN_B") or os.getenv("TOKEN_A"))
  out = assert(io.open(os.getenv("ACKED") .. "." .. id, "w"))
  out:setvbuf("line")
end
-- The form of TPS number i with DPT d: every identity holds, no warning, no anomaly.
local function body(i, d, shifted)
  local h = (i * 7919) % 1009
  local dl = math.floor(d / 2)
  local ud = math.min(math.floor(d * 8 / 10), d - 6)
  if ud < 0 then ud = 0 end
  local ul = math.floor(ud / 2)
  local users = ud + 4                         -- + dptb 1/1 + dpk 2/0
  local received = d + math.floor((d * 200 + 9999) / 10000)
  local spoiled = h % 3
  local unused = received - users - spoiled
  local invalid = h % 5
  local valid = users - invalid
  local v1 = math.floor(valid * (25 + h % 20) / 100)
  local v2 = math.floor((valid - v1) * (50 + h % 30) / 100)
  local v3 = valid - v1 - v2
  if shifted and v1 > 0 then v1, v2 = v1 - 1, v2 + 1 end
  return string.format(
    '{"source":"%s","voters":{"dpt":{"l":%d,"p":%d},"dptb":{"l":1,"p":1},"dpk":{"l":2,"p":0}},' ..
    '"users":{"dpt":{"l":%d,"p":%d},"dptb":{"l":1,"p":1},"dpk":{"l":2,"p":0}},"disabled":{"voters":3,"users":2},' ..
    '"ballots":{"received":%d,"used":%d,"spoiled":%d,"unused":%d},"votes":{"01":%d,"02":%d,"03":%d},"valid":%d,"invalid":%d}',
    source, dl, d - dl, ul, ud - ul, received, users, spoiled, unused, v1, v2, v3, valid, invalid)
end
function request()
  local slot, who = k, 0
  if mode == "double" then slot, who = math.floor(k / 2), k % 2 end
  k = k + 1
  local t = list[((id + slot * step) % #list) + 1]
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth[who] }
  if idem then headers["Idempotency-Key"] = string.format("night-%d-%s-%d", t[1], source, who) end
  return wrk.format("PUT", "/api/v1/elections/pemilu-2024/results/" .. t[2] .. "/presiden", headers,
    body(t[1], t[3], source == "bawaslu" and t[1] % 10 == 0))
end
function response(status, hdrs, body)
  if status == 200 then
    ok = ok + 1
    if not parse then return end
    local tps = body:match('"tps":"([^"]+)"') or "?"
    local st = body:match('"status":"([^"]+)"') or "?"
    local user = "?"
    for u in body:gmatch('"entered_by":"([^"]+)"') do user = u end -- the last: this entry
    if st == "sah" then sah = sah + 1 end
    if hdrs["idempotent-replayed"] or hdrs["Idempotent-Replayed"] then replayed = replayed + 1 end
    out:write(tps, " ", user, " ", st, "\n")
    return
  elseif status == 409 then c409 = c409 + 1
  elseif status == 422 then c422 = c422 + 1
  elseif status >= 400 and status < 500 then c4xx = c4xx + 1
  elseif status >= 500 then c5xx = c5xx + 1
  else cother = cother + 1 end
  if first_bad == "" then first_bad = status .. " " .. body:sub(1, 300) end
end
function done(summary, latency, requests)
  local t = { ok = 0, c4xx = 0, c409 = 0, c422 = 0, c5xx = 0, cother = 0, replayed = 0, sah = 0 }
  local bad = ""
  for _, th in ipairs(threads) do
    for key in pairs(t) do t[key] = t[key] + (th:get(key) or 0) end
    if bad == "" then bad = th:get("first_bad") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d secs=%.2f rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f ok=%d sah=%d replayed=%d c409=%d c422=%d c4xx=%d c5xx=%d cother=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), t.ok / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    t.ok, t.sah, t.replayed, t.c409, t.c422, t.c4xx, t.c5xx, t.cother, e.connect + e.read + e.write + e.timeout))
  if bad ~= "" then io.write("FIRST_BAD ", bad:gsub("\n", " "), "\n") end
end
