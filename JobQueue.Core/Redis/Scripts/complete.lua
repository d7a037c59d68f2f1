-- Records how one attempt ended, fenced by its claim token: a worker whose entry was reclaimed
-- while it ran (a zombie) changes nothing, so a job is recorded successful at most once.
-- KEYS[1] stream, KEYS[2] job hash, KEYS[3] failed-jobs index
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] token, ARGV[4] outcome: 'done' | 'error' | 'fatal',
-- ARGV[5] result JSON (done) or error text, ARGV[6] max attempts, ARGV[7] job id
-- An 'error' with attempts left requeues the job at once under a new entry; 'fatal' never retries.
-- Returns 'done', 'retried', 'failed' or 'stale'.
local stream, job = KEYS[1], KEYS[2]
local group, entry, token, outcome = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local state = redis.call('HMGET', job, 'status', 'token', 'attempts', 'traceparent')
if state[1] ~= 'processing' or state[2] ~= token then
  return 'stale'
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('XACK', stream, group, entry)
redis.call('XDEL', stream, entry)
redis.call('HDEL', job, 'token')
if outcome == 'done' then
  redis.call('HSET', job, 'status', 'done', 'result', ARGV[5], 'finished_at', now)
  return 'done'
end
if outcome == 'error' and (tonumber(state[3]) or 0) < tonumber(ARGV[6]) then
  local next = redis.call('XADD', stream, '*', 'job_id', ARGV[7], 'traceparent', state[4] or '')
  redis.call('HSET', job, 'status', 'queued', 'last_error', ARGV[5], 'entry_id', next)
  return 'retried'
end
redis.call('HSET', job, 'status', 'failed', 'last_error', ARGV[5], 'finished_at', now)
redis.call('ZADD', KEYS[3], now, ARGV[7])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -10001)
return 'failed'
