-- Adds a job: its hash, its place in the job index, and either its stream entry (due now) or its place in
-- the schedule (due later) appear together or not at all. With an idempotency key, a repeat within the
-- window returns the first job instead (also when duplicates race: this script runs alone). Once workers
-- have registered their job types, a type none of them handles is refused.
-- KEYS[1] job hash, KEYS[2] stream, KEYS[3] job index, KEYS[4] schedule, KEYS[5] job types,
-- KEYS[6] idempotency key (optional)
-- ARGV[1] job id, ARGV[2] type, ARGV[3] payload (JSON), ARGV[4] traceparent, ARGV[5] run at (ms; 0 = now),
-- ARGV[6] events channel, ARGV[7] idempotency window (ms), ARGV[8] request fingerprint
-- Returns {job id, created_at, 1 if an earlier submission was replayed else 0, status}.
local job, stream, index, schedule, types, idempotency = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local id, run_at = ARGV[1], tonumber(ARGV[5])
if redis.call('SISMEMBER', types, ARGV[2]) == 0 and redis.call('EXISTS', types) == 1 then
  return redis.error_reply('UNKNOWN_TYPE no worker has a handler for job type ' .. ARGV[2])
end
if idempotency then
  local earlier = redis.call('GET', idempotency)
  if earlier then
    local earlier_id, fingerprint = string.match(earlier, '^([^|]*)|(.*)$')
    if fingerprint ~= ARGV[8] then
      return redis.error_reply('IDEMPOTENCY_MISMATCH the key was used for a different request')
    end
    local prefix = string.sub(job, 1, #job - #id)
    local s = redis.call('HMGET', prefix .. earlier_id, 'created_at', 'status')
    return {earlier_id, tonumber(s[1]) or 0, 1, s[2] or 'expired'}
  end
end
if redis.call('EXISTS', job) == 1 then
  return redis.error_reply('JOB_EXISTS job ' .. id .. ' already exists')
end
local now = now_ms()
local status, due_field, due_value = 'queued', 'entry_id', nil
if run_at > now then
  status, due_field, due_value = 'scheduled', 'run_at', run_at
  redis.call('ZADD', schedule, run_at, id)
else
  due_value = redis.call('XADD', stream, '*', 'job_id', id, 'traceparent', ARGV[4])
end
redis.call('HSET', job, 'status', status, 'type', ARGV[2], 'payload', ARGV[3], 'attempts', 0, 'runs', 0,
  'created_at', now, 'traceparent', ARGV[4], 'version', 1, due_field, due_value)
redis.call('ZADD', index, now, id)
if idempotency then
  redis.call('SET', idempotency, id .. '|' .. ARGV[8], 'PX', ARGV[7])
end
publish(ARGV[6], id, 1, status, 0)
return {id, now, 0, status}
