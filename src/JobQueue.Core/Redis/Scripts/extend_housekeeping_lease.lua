-- Extends the lease that lets one process at a time do every queue's housekeeping (QueueHousekeeping), for the
-- process that holds it; a process that does not hold it takes it with SET NX once it lapses. Needs nothing of
-- _prelude.lua (loaded bare: a holder runs it every round).
-- KEYS[1] the lease; ARGV[1] the holder's name, ARGV[2] how long the lease lasts (ms)
-- Returns 1 when the lease is still the holder's (now extended), else 0 (it lapsed, and another process may hold it).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
