-- wrk script for `npm run bench` (bench/lib/wrk.ts). Set up at load time from the environment:
--   BENCH_WRK_PATHS    a file of request paths, one a line, cycled through in order (one path: the
--                      request is built once, as plain wrk does);
--   BENCH_WRK_MARKERS  when set (tab-separated), every response is checked: counted by status, and a
--                      200 whose body lacks a marker is counted as wrong. Checking costs wrk CPU (its
--                      ceiling drops by about a third), so measured runs leave it unset.
-- Prints one JSON line at the end: WRK_RESULT {...}.

local paths = {}
for path in io.lines(os.getenv("BENCH_WRK_PATHS")) do
  paths[#paths + 1] = path
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path)
  end
  next_request = 0
  statuses = {}
  wrong_bodies = 0
end

if #paths > 1 then
  function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
  end
else
  wrk.path = paths[1]
end

local marker_list = os.getenv("BENCH_WRK_MARKERS")
if marker_list then
  local markers = {}
  for marker in string.gmatch(marker_list, "[^\t]+") do
    markers[#markers + 1] = marker
  end
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status == 200 then
      for _, marker in ipairs(markers) do
        if not string.find(body, marker, 1, true) then
          wrong_bodies = wrong_bodies + 1
          return
        end
      end
    end
  end
end

function done(summary, latency, requests)
  local counts, wrong = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + n
    end
    wrong = wrong + thread:get("wrong_bodies")
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%s":%d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"checked":%s,"requests":%d,"durationUs":%d,"bytes":%d,"p50Us":%d,"p95Us":%d,"p99Us":%d,' ..
      '"maxUs":%d,"statuses":{%s},"wrongBodies":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    tostring(marker_list ~= nil), summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    table.concat(parts, ","), wrong, e.connect, e.read, e.write, e.status, e.timeout))
end
