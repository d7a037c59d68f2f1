-- Announces that a process listens for the changes of a queue's jobs, until the lease passes (by Redis's clock, so
-- processes on clocks that disagree still agree here), and forgets the listeners whose lease passed (their process
-- died, or stopped listening and let it pass). The set expires with its longest lease, so a queue nobody listens to
-- publishes nothing again.
-- KEYS[1] the queue's listeners; ARGV[1] the listening process, ARGV[2] lease (ms)
-- Returns 1 if the process was still listed (a renewal in time), 0 if not (a first announcement, or a lapsed one).
local now, lease = now_ms(), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local added = redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
return 1 - added
