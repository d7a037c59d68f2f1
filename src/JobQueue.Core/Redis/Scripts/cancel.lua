-- Cancels a job that has not finished. A scheduled or queued job never runs (its entry, if any, is dropped
-- when a worker meets it, and a waiting one has none); a running job is `canceled` at once and its worker is told
-- to stop its handler, and its attempt record ends here as 'canceled' (see _prelude.lua; the attempt's completion then
-- only lets go of the entry). Its dependants are settled (_dependencies.lua): canceled, failed, or counted, by policy.
-- KEYS[1] job hash, KEYS[2] schedule, KEYS[3] dead letters, KEYS[4] totals
-- ARGV[1] job id, ARGV[2] events channel, ARGV[3] cancel channel (workers), ARGV[4] retention (ms), ARGV[5] dead
-- letter retention (ms: how long a dependant failed or canceled by this is kept), ARGV[6] the queue's job key prefix
-- Returns {1, 'canceled'}, or {0, status} when there was nothing to cancel: 'missing' or the terminal status.
local job, id = KEYS[1], ARGV[1]
local s = redis.call('HMGET', job, 'status', 'runs')
local status = s[1]
if not status then
  return {0, 'missing'}
end
if is_terminal(status) then
  return {0, status}
end
local now = now_ms()
redis.call('ZREM', KEYS[2], id)
finish(job, id, 'canceled', nil, now, KEYS[4], KEYS[3], ARGV[4], 0)
if status == 'processing' then
  -- The running attempt still holds the job (its token): its completion lets go of the entry.
  redis.call('HSET', job, 'e:' .. (s[2] or 0), attempt_end(now, 'canceled', ''))
  redis.call('PUBLISH', ARGV[3], id)
end
changed(ARGV[2], job, id)
settle_dependants(ARGV[2], ARGV[6], id, 'canceled', now, ARGV[5])
return {1, 'canceled'}
