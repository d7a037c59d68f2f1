-- Claims stream entries just delivered to one consumer: by XREADGROUP (fresh: delivered once, to this
-- consumer, a moment ago) or by XAUTOCLAIM (reclaimed: delivered before, maybe to workers that died).
-- KEYS[1] stream, KEYS[2] dead letters, KEYS[3] totals, KEYS[3 + i] hash of the job behind entry i
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] max attempts, ARGV[4] events channel, ARGV[5] dead letter
-- retention (ms), ARGV[6] '1' if the entries were reclaimed, ARGV[6 + i] id of entry i, ARGV[6 + n + i] job
-- id of entry i (n = number of entries)
-- The attempt number is the larger of the job's recorded attempts + 1 and the entry's delivery count
-- (read with XPENDING for reclaimed entries), so neither a lost hash update nor a reclaim without a run
-- can let a job run more than max times.
-- Returns one row per entry:
--   {'claimed', attempt, type, payload, token, traceparent, ms since enqueue, run}  job is `processing`
--   {'exhausted', attempts}  no attempts left: job `failed` and dead-lettered, entry acked and deleted
--   {'finished'}  job already terminal (done, failed, canceled) or gone: entry acked and deleted
--   {'unreadable', status}  the hash holds a status no script writes (edited by hand): job failed and dead-lettered
--   {'lost'}      a reclaimed entry no longer pending for this consumer: another worker holds it
local stream, dead, stats = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, max, channel = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local reclaimed = ARGV[6] == '1'
local n = #KEYS - 3
local now = now_ms()
local rows = {}

local function drop(entry)
  redis.call('XACK', stream, group, entry)
  redis.call('XDEL', stream, entry)
end

for i = 1, n do
  local job, entry, id = KEYS[3 + i], ARGV[6 + i], ARGV[6 + n + i]
  local deliveries = 1
  if reclaimed then
    local pending = redis.call('XPENDING', stream, group, entry, entry, 1)
    deliveries = #pending == 1 and pending[1][2] == consumer and tonumber(pending[1][4]) or nil
  end
  if not deliveries then
    rows[i] = {'lost'}
  else
    local state = redis.call('HMGET', job, 'status', 'attempts', 'type', 'payload', 'traceparent', 'created_at',
      'runs', 'version', 'progress', 'last_error')
    local status = state[1]
    if status ~= 'queued' and status ~= 'processing' then
      drop(entry)
      if status and status ~= 'done' and status ~= 'failed' and status ~= 'canceled' then
        redis.call('HDEL', job, 'token')
        finish(job, id, 'failed', "unreadable job: status '" .. status .. "' is not one JobQueue writes", now, stats, dead, 0, ARGV[5])
        changed(channel, job, id)
        rows[i] = {'unreadable', status}
      else
        rows[i] = {'finished'}
      end
    else
      local attempts = tonumber(state[2]) or 0
      local attempt = math.max(attempts + 1, deliveries)
      if attempt > max then
        drop(entry)
        redis.call('HDEL', job, 'token')
        finish(job, id, 'failed', 'gave up after ' .. attempts .. ' attempt(s): the last one did not finish in time',
          now, stats, dead, 0, ARGV[5])
        changed(channel, job, id)
        rows[i] = {'exhausted', attempts}
      else
        local token = consumer .. '/' .. attempt
        local run = (tonumber(state[7]) or 0) + 1
        local version = (tonumber(state[8]) or 0) + 1
        redis.call('HSET', job, 'status', 'processing', 'attempts', attempt, 'runs', run, 'version', version,
          'started_at', now, 'token', token, 'entry_id', entry)
        publish(channel, id, version, 'processing', attempt, state[9], nil, state[10])
        rows[i] = {'claimed', attempt, state[3] or '', state[4] or 'null', token, state[5] or '',
          now - (tonumber(state[6]) or now), run}
      end
    end
  end
end
return rows
