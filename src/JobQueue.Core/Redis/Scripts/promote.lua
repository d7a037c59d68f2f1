-- The forwarder: moves scheduled jobs that are due into the stream. One script per batch, so with several
-- workers running it each due job is enqueued exactly once.
-- KEYS[1] schedule, KEYS[2] stream; ARGV[1] job key prefix, ARGV[2] batch size, ARGV[3] events channel
-- Returns how many jobs were enqueued.
local schedule, stream, prefix = KEYS[1], KEYS[2], ARGV[1]
local due = redis.call('ZRANGEBYSCORE', schedule, '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for _, id in ipairs(due) do
  redis.call('ZREM', schedule, id)
  local job = prefix .. id
  if redis.call('HGET', job, 'status') == 'scheduled' then
    redis.call('HSET', job, 'status', 'queued', 'entry_id', add_entry(stream, job, id))
    changed(ARGV[3], job, id)
    moved = moved + 1
  end
end
return moved
