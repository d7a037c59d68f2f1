-- Keeps Redis memory flat: trims dead letters past their retention, drops index entries of job hashes
-- that expired, and removes consumers of workers that are gone, but only once nothing is pending for them
-- (their entries were reclaimed), checked and done in this one step.
-- KEYS[1] stream, KEYS[2] job index, KEYS[3] dead letters
-- ARGV[1] group, ARGV[2] job key prefix, ARGV[3] dead letter retention (ms), ARGV[4] consumer idle limit (ms),
-- ARGV[5] index entries to check per run, ARGV[6] rank to check from (the previous run's cursor)
-- Returns {index entries dropped, consumers removed, rank to check from next time (0 after the end)}.
local stream, index, dead, group, prefix = KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2]
local now = now_ms()
redis.call('XTRIM', dead, 'MINID', (now - tonumber(ARGV[3])) .. '-0')

local batch, from = tonumber(ARGV[5]), tonumber(ARGV[6])
local ids = redis.call('ZRANGE', index, from, from + batch - 1)
local dropped = 0
for _, id in ipairs(ids) do
  if redis.call('EXISTS', prefix .. id) == 0 then
    redis.call('ZREM', index, id)
    dropped = dropped + 1
  end
end
local next = 0
if #ids == batch then
  next = from + batch - dropped
end

local removed = 0
if redis.call('EXISTS', stream) == 1 then
  for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
    local name, pending, idle
    for i = 1, #consumer, 2 do
      if consumer[i] == 'name' then name = consumer[i + 1]
      elseif consumer[i] == 'pending' then pending = consumer[i + 1]
      elseif consumer[i] == 'idle' then idle = consumer[i + 1] end
    end
    if pending == 0 and idle > tonumber(ARGV[4]) then
      redis.call('XGROUP', 'DELCONSUMER', stream, group, name)
      removed = removed + 1
    end
  end
end
return {dropped, removed, next}
