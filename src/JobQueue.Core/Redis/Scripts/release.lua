-- Gives jobs their group's limit held back (read_and_claim.lua) a new stream entry once their group has room: for
-- each group with jobs held back, it first drops from the group's running set the jobs that no longer run (a
-- completion removes its own; this catches the rest, e.g. a job that failed on a reclaim), then gives the oldest
-- held jobs the free places (all of them once the limit is lifted). Every worker's forwarder runs it; each job is
-- released once. The take enforces the limit: a job released while its group's places are meanwhile taken is
-- held again, at the back.
-- KEYS[1] the set of groups with jobs held back, KEYS[2] stream, KEYS[3] controls; ARGV[1] job key prefix
-- Returns how many jobs were released.
local held_groups, stream, prefix = KEYS[1], KEYS[2], ARGV[1]
local limit = tonumber(redis.call('HGET', KEYS[3], 'group_concurrency'))
local released = 0
for _, group in ipairs(redis.call('SMEMBERS', held_groups)) do
  local running, waiting = group_key(prefix, group, 'running'), group_key(prefix, group, 'waiting')
  for _, id in ipairs(redis.call('SMEMBERS', running)) do
    if redis.call('HGET', prefix .. id, 'status') ~= 'processing' then
      redis.call('SREM', running, id)
    end
  end
  local free = limit and (limit - redis.call('SCARD', running)) or math.huge
  while free > 0 do
    local id = redis.call('LPOP', waiting)
    if not id then
      break
    end
    local job = prefix .. id
    if redis.call('HGET', job, 'status') == 'queued' then -- a job canceled while held back is dropped here
      redis.call('HSET', job, 'entry_id', add_entry(stream, job, id))
      free = free - 1
      released = released + 1
    end
  end
  if redis.call('LLEN', waiting) == 0 then
    redis.call('SREM', held_groups, group)
  end
end
return released
