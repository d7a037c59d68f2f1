-- Moves a schedule past the occurrences a scheduler just enqueued (or skipped), if no one moved it meanwhile: each
-- scheduler that saw the same due occurrence enqueued the same jobs (their idempotency keys are the occurrences,
-- so there is one job each), and the first to get here advances the schedule; the others change nothing.
-- KEYS[1] the schedule's hash, KEYS[2] the schedules' index
-- ARGV[1] name, ARGV[2] the next occurrence the scheduler saw (ms), ARGV[3] the one after what it ran (ms; '' for
-- never), ARGV[4] the last occurrence it ran (ms; '' if it ran none), ARGV[5] that occurrence's job id ('' if unknown)
-- Returns 1 if advanced, 0 if the schedule had moved (another scheduler, an update, a pause) or is gone.
local hash, index, name, seen, next_due, ran, job_id = KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local current = redis.call('HMGET', hash, 'next_due', 'paused')
if current[1] ~= seen then
  return 0
end
redis.call('HSET', hash, 'next_due', next_due)
if ran ~= '' then
  redis.call('HSET', hash, 'last_due', ran, 'last_job_id', job_id, 'last_fired_at', now_ms())
end
if current[2] ~= '1' then
  redis.call('ZADD', index, next_due == '' and '+inf' or next_due, name)
end
return 1
