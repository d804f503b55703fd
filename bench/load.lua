-- wrk script for every load run: GETs, or POSTs of pre-signed bodies, one file line each
-- ("<signature>\t<body>"), spread over the threads so that no two threads send the same one.
-- At the end one JSON line reports the run, prefixed so the bench finds it in wrk's output.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  -- args: method, path, [bodies file, thread count]
  method, path = args[1], args[2]
  bodies, signatures, next_body = {}, {}, 1
  ok, stored_now, sent, wrapped = 0, 0, 0, 0
  if args[3] then
    local line_number, thread_count = 0, tonumber(args[4])
    for line in io.lines(args[3]) do
      if line_number % thread_count == id then
        local tab = line:find("\t", 1, true)
        table.insert(signatures, line:sub(1, tab - 1))
        table.insert(bodies, line:sub(tab + 1))
      end
      line_number = line_number + 1
    end
  end
end

function request()
  if #bodies == 0 then
    return wrk.format(method, path)
  end
  local index = next_body
  sent = sent + 1
  if sent > #bodies then
    wrapped = 1
  end
  next_body = next_body % #bodies + 1
  local headers = {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = signatures[index]}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  return wrk.format(method, path, headers, bodies[index])
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if body:find('"Event received"', 1, true) then
      stored_now = stored_now + 1
    end
  end
end

function done(summary, latency, requests)
  local all_ok, all_stored, all_sent, any_wrapped = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    all_ok = all_ok + thread:get("ok")
    all_stored = all_stored + thread:get("stored_now")
    all_sent = all_sent + thread:get("sent")
    any_wrapped = math.max(any_wrapped, thread:get("wrapped"))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, ' ..
    '"ok": %d, "stored_now": %d, "sent": %d, "wrapped": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    all_ok, all_stored, all_sent, any_wrapped, latency:percentile(50), latency:percentile(99)))
end
