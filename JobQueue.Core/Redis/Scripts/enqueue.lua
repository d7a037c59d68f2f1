-- Adds a job: its hash and its stream entry appear together or not at all.
-- KEYS[1] job hash, KEYS[2] stream
-- ARGV[1] job id, ARGV[2] type, ARGV[3] payload (JSON text), ARGV[4] W3C traceparent ('' if none)
-- Returns {stream entry id, created_at (ms)}; an error reply if the id is taken.
local job, stream = KEYS[1], KEYS[2]
if redis.call('EXISTS', job) == 1 then
  return redis.error_reply('JOB_EXISTS job ' .. ARGV[1] .. ' already exists')
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local entry = redis.call('XADD', stream, '*', 'job_id', ARGV[1], 'traceparent', ARGV[4])
redis.call('HSET', job,
  'status', 'queued', 'type', ARGV[2], 'payload', ARGV[3], 'attempts', 0,
  'created_at', now, 'entry_id', entry, 'traceparent', ARGV[4])
return {entry, now}
