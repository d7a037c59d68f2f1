-- The lease that lets one process at a time do every queue's housekeeping (QueueHousekeeping): taken when nobody
-- holds it, kept by its holder, which extends it each round; another process takes it once it lapses.
-- KEYS[1] the lease; ARGV[1] the asking process's holder name, ARGV[2] how long the lease lasts (ms)
-- Returns 1 when the asking process holds the lease (taken or extended), else 0.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
