-- Runs a scheduled job now: an operator's "promote" of a delayed job or one waiting out its retry back-off. It
-- joins the stream as the forwarder (promote.lua) would have put it there when due; its run_at is kept, so the
-- record still says when it was meant to run.
-- KEYS[1] job hash, KEYS[2] schedule, KEYS[3] stream
-- ARGV[1] job id, ARGV[2] events channel
-- Returns 'queued', 'missing', or the job's status if it is not scheduled.
local job, id = KEYS[1], ARGV[1]
local status = redis.call('HGET', job, 'status')
if not status then
  return 'missing'
end
if status ~= 'scheduled' then
  return status
end
redis.call('ZREM', KEYS[2], id)
redis.call('HSET', job, 'status', 'queued', 'entry_id', add_entry(KEYS[3], job, id))
changed(ARGV[2], job, id)
return 'queued'
