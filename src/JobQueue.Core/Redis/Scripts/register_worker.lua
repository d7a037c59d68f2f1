-- Registers a worker process in one queue's registry: what a page needs to name the worker behind an attempt (its
-- registration, written by the worker), and when it was last seen (now, by Redis's clock). Every worker calls it for
-- each queue and partition it reads, every few seconds, and once more when it stops (its registration then says so):
-- a worker that stopped or died stays registered, so the attempts it ran still name it, until it has not been seen for
-- ARGV[3] ms. Then it is forgotten here, and the registry itself expires that long after the last worker was seen.
-- KEYS[1] worker registrations (hash: consumer -> registration JSON), KEYS[2] workers by last seen (sorted set, ms)
-- ARGV[1] consumer, ARGV[2] its registration (JSON, read only outside scripts), ARGV[3] how long a worker not seen is kept (ms)
-- Returns how many workers not seen for that long were forgotten (at most 100 a call).
local registrations, seen, consumer, keep = KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[3])
local now = now_ms()
redis.call('HSET', registrations, consumer, ARGV[2])
redis.call('ZADD', seen, now, consumer)
local gone = redis.call('ZRANGEBYSCORE', seen, '-inf', now - keep, 'LIMIT', 0, 100)
if #gone > 0 then
  redis.call('HDEL', registrations, unpack(gone))
  redis.call('ZREM', seen, unpack(gone))
end
redis.call('PEXPIRE', registrations, keep)
redis.call('PEXPIRE', seen, keep)
return #gone
