-- Claims stream entries just delivered to one consumer (by XREADGROUP or XAUTOCLAIM).
-- KEYS[1] stream, KEYS[2] failed-jobs index, KEYS[2 + i] hash of the job behind entry i
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] max attempts, ARGV[3 + i] id of entry i
-- The attempt number is the larger of the job's recorded attempts + 1 and the entry's delivery count,
-- so neither a lost hash update nor a reclaim without a run can let a job run more than max times.
-- Returns one row per entry:
--   {'claimed', attempt, type, payload, token, traceparent, ms since enqueue}  job is now `processing` under token
--   {'exhausted', attempts}  no attempts left: job marked `failed`, entry acked and deleted
--   {'finished'}  job already terminal or gone: entry acked and deleted
--   {'lost'}      entry no longer pending for this consumer: another worker holds it
local stream, failed, group, consumer, max = KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local rows = {}
for i = 3, #KEYS do
  local job, entry = KEYS[i], ARGV[i + 1]
  local pending = redis.call('XPENDING', stream, group, entry, entry, 1)
  if #pending == 0 or pending[1][2] ~= consumer then
    rows[#rows + 1] = {'lost'}
  else
    local state = redis.call('HMGET', job, 'status', 'attempts', 'type', 'payload', 'traceparent', 'created_at')
    local status = state[1]
    if status ~= 'queued' and status ~= 'processing' then
      redis.call('XACK', stream, group, entry)
      redis.call('XDEL', stream, entry)
      rows[#rows + 1] = {'finished'}
    else
      local attempts = tonumber(state[2]) or 0
      local attempt = math.max(attempts + 1, tonumber(pending[1][4]))
      if attempt > max then
        redis.call('HSET', job, 'status', 'failed', 'finished_at', now,
          'last_error', 'gave up after ' .. attempts .. ' attempt(s): the last one did not finish in time')
        redis.call('HDEL', job, 'token')
        redis.call('ZADD', failed, now, string.sub(job, -36)) -- a job key ends with the 36-character id
        redis.call('ZREMRANGEBYRANK', failed, 0, -10001)
        redis.call('XACK', stream, group, entry)
        redis.call('XDEL', stream, entry)
        rows[#rows + 1] = {'exhausted', attempts}
      else
        local token = consumer .. '/' .. attempt
        redis.call('HSET', job, 'status', 'processing', 'attempts', attempt, 'started_at', now,
          'token', token, 'entry_id', entry)
        rows[#rows + 1] = {'claimed', attempt, state[3] or '', state[4] or 'null', token, state[5] or '',
          now - (tonumber(state[6]) or now)}
      end
    end
  end
end
return rows
