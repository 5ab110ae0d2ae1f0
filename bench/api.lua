-- wrk script of bench/api: replays the requests of a file, one per line as
--   METHOD <tab> PATH <tab> BEARER-TOKEN <tab> JSON-BODY (may be empty)
-- Thread i of n takes lines i, i+n, i+2n, ... so that two threads never send the same line (a join-code
-- redemption is made once per identity). Usage: wrk ... -s bench/api.lua -- <file> <threads>
-- At the end it prints one line that ApiBenchmark parses:
--   WRK requests=N duration_us=D p50_us=P p99_us=Q errors=E statuses=200:N,503:M

local lines = {}
local next_line = 0
local stride = 1
statuses = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  stride = tonumber(args[2] or "1")
  next_line = id or 0
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    local method, path, token, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]*)\t?(.*)$")
    local headers = {}
    if token ~= "" then
      headers["Authorization"] = "Bearer " .. token
    end
    if body == nil or body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    lines[#lines + 1] = wrk.format(method, path, headers, body)
  end
  f:close()
end

function request()
  local r = lines[next_line % #lines + 1]
  next_line = next_line + stride
  return r
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      all[status] = (all[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(all) do
    parts[#parts + 1] = status .. ":" .. n
  end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d statuses=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
