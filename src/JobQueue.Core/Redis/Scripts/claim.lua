-- Claims stream entries for one consumer: new entries it reads itself ('read': XREADGROUP without BLOCK, so
-- under load reading and claiming take one round trip), or given entries, delivered by XREADGROUP ('fresh':
-- delivered once, to this consumer, a moment ago) or by XAUTOCLAIM ('reclaimed': delivered before, maybe to
-- workers that died).
-- KEYS[1] stream, KEYS[2] dead letters, KEYS[3] totals, KEYS[3 + i] hash of the job behind given entry i
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] max attempts, ARGV[4] events channel, ARGV[5] dead letter
-- retention (ms), ARGV[6] 'read' | 'fresh' | 'reclaimed', ARGV[7] how many to read, ARGV[8] job key prefix,
-- ARGV[8 + i] id of given entry i, ARGV[8 + n + i] job id of given entry i (n = number of given entries)
-- The attempt number is the larger of the job's recorded attempts + 1 and the entry's delivery count
-- (read with XPENDING for reclaimed entries), so neither a lost hash update nor a reclaim without a run
-- can let a job run more than max times.
-- Returns one row per entry, each starting with the entry id and its job id:
--   {.., 'claimed', attempt, type, payload, token, traceparent, ms since enqueue, run}  job is `processing`
--   {.., 'exhausted', attempts}  no attempts left: job `failed` and dead-lettered, entry acked and deleted
--   {.., 'finished'}  job already terminal (done, failed, canceled) or gone: entry acked and deleted
--   {.., 'unreadable', status}  the hash holds a status no script writes (edited by hand): job failed and dead-lettered
--   {.., 'lost'}      a reclaimed entry no longer pending for this consumer: another worker holds it
--   {.., 'unchecked', field, value, ...}  read: no job_id as JobQueue writes them; left pending for the caller
local stream, dead, stats = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, max, channel = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local mode, prefix = ARGV[6], ARGV[8]
local now = now_ms()
local rows = {}
local JOB_ID = '^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$'

-- {job key, entry id, job id} of each entry to claim, in order; rows of unchecked entries go first.
local entries = {}
if mode == 'read' then
  local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', ARGV[7], 'STREAMS', stream, '>')
  for _, e in ipairs(reply and reply[1][2] or {}) do
    local fields, id = e[2], nil
    for f = 1, #fields - 1, 2 do
      if fields[f] == 'job_id' and string.match(fields[f + 1], JOB_ID) then
        id = fields[f + 1]
      end
    end
    if id then
      entries[#entries + 1] = {prefix .. id, e[1], id}
    else
      local row = {e[1], '', 'unchecked'}
      for f = 1, #fields do
        row[#row + 1] = fields[f]
      end
      rows[#rows + 1] = row
    end
  end
else
  local n = #KEYS - 3
  for i = 1, n do
    entries[i] = {KEYS[3 + i], ARGV[8 + i], ARGV[8 + n + i]}
  end
end

local function drop(entry)
  redis.call('XACK', stream, group, entry)
  redis.call('XDEL', stream, entry)
end

for _, e in ipairs(entries) do
  local job, entry, id = e[1], e[2], e[3]
  local row
  local deliveries = 1
  if mode == 'reclaimed' then
    local pending = redis.call('XPENDING', stream, group, entry, entry, 1)
    deliveries = #pending == 1 and pending[1][2] == consumer and tonumber(pending[1][4]) or nil
  end
  if not deliveries then
    row = {'lost'}
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
        row = {'unreadable', status}
      else
        row = {'finished'}
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
        row = {'exhausted', attempts}
      else
        local token = consumer .. '/' .. attempt
        local run = (tonumber(state[7]) or 0) + 1
        local version = (tonumber(state[8]) or 0) + 1
        redis.call('HSET', job, 'status', 'processing', 'attempts', attempt, 'runs', run, 'version', version,
          'started_at', now, 'token', token, 'entry_id', entry)
        publish(channel, id, version, 'processing', attempt, state[9], nil, state[10])
        row = {'claimed', attempt, state[3] or '', state[4] or 'null', token, state[5] or '',
          now - (tonumber(state[6]) or now), run}
      end
    end
  end
  rows[#rows + 1] = {entry, id, unpack(row)}
end
return rows
