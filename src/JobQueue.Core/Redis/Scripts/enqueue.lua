-- Adds a batch of jobs (often one): each job's hash, its place in the job index, and either its stream entry
-- (due now) or its place in the schedule (due later). All or nothing: every job is checked before any is
-- written, so a refused batch leaves nothing behind. With an idempotency key, a repeat within the window
-- returns the first job instead (also when duplicates race: this script runs alone). Once workers have
-- registered their job types, a type none of them handles is refused.
-- KEYS[1] stream, KEYS[2] job index, KEYS[3] schedule, KEYS[4] job types, KEYS[4 + i] hash of job i, then
-- the idempotency keys the jobs name
-- ARGV[1] events channel, ARGV[2] idempotency window (ms), ARGV[3] number of jobs n, then twelve per job from
-- ARGV[4 + 12(i - 1)]: job id, type, payload (JSON), traceparent, run at (ms; 0 = now; a time past is kept as the job's run_at), position in KEYS of its
-- idempotency key (0 = none), request fingerprint, the job's own policy ('' where unset): max attempts,
-- back-off ('fixed:<ms>' | 'exponential:<ms>[:<max ms>]'), per-attempt timeout (ms); its group and its owner ('' for none)
-- Returns per job {job id, created_at, 1 if an earlier submission was replayed else 0, status}.
local stream, index, schedule, types = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, window, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local function arg(i, k)
  return ARGV[3 + 12 * (i - 1) + k]
end

local checked_types = redis.call('EXISTS', types) == 1
local known = {}
local earlier = {}
for i = 1, n do
  local id, type, key = arg(i, 1), arg(i, 2), tonumber(arg(i, 6))
  if checked_types and known[type] == nil then
    known[type] = redis.call('SISMEMBER', types, type) == 1
    if not known[type] then
      return redis.error_reply('UNKNOWN_TYPE no worker has a handler for job type ' .. type)
    end
  end
  local stored = key > 0 and redis.call('GET', KEYS[key])
  if stored then
    local earlier_id, fingerprint = string.match(stored, '^([^|]*)|(.*)$')
    if fingerprint ~= arg(i, 7) then
      return redis.error_reply('IDEMPOTENCY_MISMATCH the key was used for a different request')
    end
    earlier[i] = earlier_id
  elseif redis.call('EXISTS', KEYS[4 + i]) == 1 then
    return redis.error_reply('JOB_EXISTS job ' .. id .. ' already exists')
  end
end

local now = now_ms()
local rows, indexed = {}, {}
for i = 1, n do
  local job, id, run_at, key = KEYS[4 + i], arg(i, 1), tonumber(arg(i, 5)), tonumber(arg(i, 6))
  if earlier[i] then
    local s = redis.call('HMGET', string.sub(job, 1, #job - #id) .. earlier[i], 'created_at', 'status')
    rows[i] = {earlier[i], tonumber(s[1]) or 0, 1, s[2] or 'expired'}
  else
    local status, due_field, due_value = 'queued', 'entry_id', nil
    if run_at > now then
      status, due_field, due_value = 'scheduled', 'run_at', run_at
      redis.call('ZADD', schedule, run_at, id)
    else
      due_value = redis.call('XADD', stream, '*', 'job_id', id, 'traceparent', arg(i, 4))
    end
    redis.call('HSET', job, 'status', status, 'type', arg(i, 2), 'payload', arg(i, 3), 'attempts', 0, 'runs', 0,
      'created_at', now, 'traceparent', arg(i, 4), 'version', 1, due_field, due_value)
    if run_at > 0 and status == 'queued' then
      redis.call('HSET', job, 'run_at', run_at) -- due already (a schedule's occurrence): when it was due
    end
    for k, field in ipairs({'max_attempts', 'backoff', 'timeout_ms', 'group', 'owner'}) do
      if arg(i, 7 + k) ~= '' then
        redis.call('HSET', job, field, arg(i, 7 + k))
      end
    end
    indexed[#indexed + 1] = now
    indexed[#indexed + 1] = id
    if key > 0 then
      redis.call('SET', KEYS[key], id .. '|' .. arg(i, 7), 'PX', window)
    end
    publish(channel, now, { job_id = id, version = 1, status = status, attempts = 0, type = arg(i, 2),
      owner = arg(i, 12) ~= '' and arg(i, 12) or nil })
    rows[i] = {id, now, 0, status}
  end
end
if #indexed > 0 then
  redis.call('ZADD', index, unpack(indexed))
end
return rows
