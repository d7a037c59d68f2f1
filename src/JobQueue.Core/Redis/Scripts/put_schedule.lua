-- Creates or updates a schedule. A schedule declared again with the same timetable (cron and time zone) keeps its
-- next occurrence and its pause: redeclaring schedules at every deploy neither repeats nor skips a run. A new
-- timetable starts from the next occurrence the caller computed.
-- KEYS[1] the schedule's hash, KEYS[2] the schedules' index
-- ARGV[1] name, ARGV[2] next occurrence under the new timetable (ms; '' for never), ARGV[3] cron, ARGV[4] time zone,
-- then the rest of the definition as field/value pairs ('' for unset): misfire, type, payload, queue, group, owner,
-- max_attempts, backoff, timeout_ms
-- Returns 1 if the schedule was created, 0 if it was updated.
local hash, index, name, next_due, cron, zone = KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local old = redis.call('HMGET', hash, 'cron', 'time_zone', 'paused')
local created = old[1] == false
local now = now_ms()
redis.call('HSET', hash, 'cron', cron, 'time_zone', zone, 'updated_at', now, unpack(ARGV, 5))
if created then
  redis.call('HSET', hash, 'created_at', now, 'paused', 0)
end
if created or old[1] ~= cron or old[2] ~= zone then
  redis.call('HSET', hash, 'next_due', next_due)
  if old[3] ~= '1' then
    redis.call('ZADD', index, next_due == '' and '+inf' or next_due, name)
  end
end
return created and 1 or 0
