-- Records how one attempt ended, fenced by its claim token: a worker whose entry was reclaimed while it
-- ran (a zombie) changes nothing, so a job is recorded successful at most once.
-- KEYS[1] stream, KEYS[2] job hash, KEYS[3] dead letters, KEYS[4] totals
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] token, ARGV[4] outcome: 'done' | 'error' | 'fatal',
-- ARGV[5] result JSON (done) or error text, ARGV[6] max attempts, ARGV[7] job id, ARGV[8] events channel,
-- ARGV[9] retention (ms), ARGV[10] dead letter retention (ms)
-- An 'error' with attempts left requeues the job at once under a new entry; 'fatal' never retries.
-- Returns 'done', 'retried', 'failed', 'canceled' (canceled while running: the attempt is let go) or 'stale'.
local stream, job, dead, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local group, entry, token, outcome, id, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[7], ARGV[8]
local state = redis.call('HMGET', job, 'status', 'token', 'attempts', 'traceparent')
if state[2] ~= token then
  return 'stale'
end
redis.call('XACK', stream, group, entry)
redis.call('XDEL', stream, entry)
redis.call('HDEL', job, 'token')
if state[1] == 'canceled' then
  return 'canceled'
end
if state[1] ~= 'processing' then
  return 'stale'
end
local now = now_ms()
if outcome == 'done' then
  redis.call('HSET', job, 'result', ARGV[5])
  finish(job, id, 'done', nil, now, stats, dead, ARGV[9], ARGV[10])
  changed(channel, job, id)
  return 'done'
end
if outcome == 'error' and (tonumber(state[3]) or 0) < tonumber(ARGV[6]) then
  local next = redis.call('XADD', stream, '*', 'job_id', id, 'traceparent', state[4] or '')
  redis.call('HSET', job, 'status', 'queued', 'last_error', ARGV[5], 'entry_id', next)
  changed(channel, job, id)
  return 'retried'
end
finish(job, id, 'failed', ARGV[5], now, stats, dead, ARGV[9], ARGV[10])
changed(channel, job, id)
return 'failed'
