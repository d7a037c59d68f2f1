-- Announces that a process listens for the changes of a queue's jobs, until the lease passes (by Redis's clock, so
-- processes on clocks that disagree still agree here), and forgets the listeners whose lease passed (their process
-- died). The set expires with its longest lease, so a queue whose listeners all died publishes nothing again.
-- KEYS[1] the queue's listeners; ARGV[1] the listening process, ARGV[2] lease (ms)
local now, lease = now_ms(), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
