-- wrk script for bench/load.py (Wrk.run_list): send each request of a list exactly once.
--
-- Arguments (after `--`): the list file and the text every good response body contains. The
-- list file has one request per line, tab-separated: method, path, body (JSON, or empty), then
-- headers as "Name: value". Run with one thread (-t1): the list is not shared between threads.
--
-- The run is the window in which every connection is busy: from the first request to the
-- moment the list runs out (the next connection asking for a request finds none). Then the
-- thread stops and SIGINT ends wrk at once (its -d is only a safety cap). Responses still in
-- flight then are not counted; the caller checks on the server that they were handled.
-- done() prints one line for bench/load.py:
--   bench-list answered=N bad=N seconds=S bytes=N first_bad=<status and start of the body>

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
int kill(int pid, int sig);
int getpid(void);
]])
local CLOCK_MONOTONIC, SIGINT = 1, 2
local clock = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local requests = {}
local expect = ""
local next_index = 1
-- Read by done() through thread:get(), so global in the thread's state.
answered, bad, bytes, first, last, first_bad = 0, 0, 0, nil, nil, ""

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  expect = args[2]
  for line in io.lines(args[1]) do
    local fields = split(line)
    local headers = {}
    for i = 4, #fields do
      local name, value = fields[i]:match("^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    local body = fields[3] ~= "" and fields[3] or nil
    table.insert(requests, wrk.format(fields[1], fields[2], headers, body))
  end
end

local verified = false

function request()
  if not verified then
    -- wrk calls request() once before the run to check what it returns: nothing is sent.
    verified = true
    return requests[1]
  end
  if next_index > #requests then
    if last == nil then
      last = now()
      wrk.thread:stop()
      ffi.C.kill(ffi.C.getpid(), SIGINT)
    end
    return ""
  end
  if first == nil then
    first = now()
  end
  next_index = next_index + 1
  return requests[next_index - 1]
end

function response(status, headers, body)
  if last ~= nil then
    return
  end
  answered = answered + 1
  bytes = bytes + #body
  if status ~= 200 or not body:find(expect, 1, true) then
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. body:sub(1, 300):gsub("%s+", " ")
    end
  end
end

function done(summary, latency, requests)
  local thread = threads[1]
  local started, ended = thread:get("first"), thread:get("last")
  local seconds = (started and ended) and (ended - started) or 0
  io.write(string.format(
    "bench-list answered=%d bad=%d seconds=%.6f bytes=%d first_bad=%s\n",
    thread:get("answered"), thread:get("bad"), seconds, thread:get("bytes"),
    thread:get("first_bad")
  ))
end
