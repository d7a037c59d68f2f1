-- Shared by every script (prepended when loaded). All keys of a queue share one hash tag, so the keys a
-- script builds from a job id (prefix .. id) land in the same slot as the keys it was given.

local function now_ms()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end

-- Records that a job changed (its version goes up) and tells every API process, so watchers get the new
-- state. The message carries the state itself: a watcher never needs to read it back, and misses nothing.
local function changed(channel, job, id)
  redis.call('HINCRBY', job, 'version', 1)
  local s = redis.call('HMGET', job, 'status', 'version', 'attempts', 'progress', 'result', 'last_error')
  redis.call('PUBLISH', channel, cjson.encode({
    job_id = id, status = s[1], version = tonumber(s[2]), attempts = tonumber(s[3]) or 0,
    progress = s[4] or nil, result = s[5] or nil, error = s[6] or nil }))
end

-- Ends a job for good: its status, finish time, its totals, and how long the record is kept. A failed job
-- also gets a dead letter (with its error and attempts) and is kept as long as dead letters are.
local function finish(job, id, status, error, now, stats, dead, ttl_ms, dead_ttl_ms)
  redis.call('HSET', job, 'status', status, 'finished_at', now)
  redis.call('HINCRBY', stats, status, 1)
  if status == 'failed' then
    redis.call('HSET', job, 'last_error', error)
    local s = redis.call('HMGET', job, 'type', 'attempts')
    local letter = redis.call('XADD', dead, '*', 'job_id', id, 'type', s[1] or '', 'attempts', s[2] or 0, 'error', error)
    redis.call('HSET', job, 'dead_letter_id', letter)
    redis.call('PEXPIRE', job, dead_ttl_ms)
  else
    redis.call('PEXPIRE', job, ttl_ms)
  end
end
