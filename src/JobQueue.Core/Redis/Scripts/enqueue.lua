-- Adds a batch of jobs (often one): each job's hash, its place in the job index, and either its stream entry
-- (due now), its place in the schedule (due later), or, for a job with dependencies, `waiting` until they have
-- counted (see _dependencies.lua; a dependency that ended already counts, fails or cancels it at once). All or
-- nothing: every job and dependency is checked before any is written, so a refused batch leaves nothing behind.
-- With an idempotency key, a repeat within the window returns the first job instead (also when duplicates race:
-- this script runs alone). Once workers have registered their job types, a type none of them handles is refused.
-- KEYS[1] stream, KEYS[2] job index, KEYS[3] schedule, KEYS[4] job types, KEYS[4 + i] hash of job i, then
-- the idempotency keys the jobs name
-- ARGV[1] events channel, ARGV[2] idempotency window (ms), ARGV[3] dead letter retention (ms: a job failed at once
-- by a dependency that failed), ARGV[4] the queue's job key prefix (a job's hash is the prefix and its id; the hashes
-- of dependencies and earlier submissions are found by it), ARGV[5] number of jobs n, then thirteen per job from
-- ARGV[6 + 13(i - 1)]: job id,
-- type, payload (JSON), traceparent, run at (ms; 0 = now; a time past is kept as the job's run_at), position in KEYS
-- of its idempotency key (0 = none), request fingerprint, the job's own policy ('' where unset): max attempts,
-- back-off ('fixed:<ms>' | 'exponential:<ms>[:<max ms>]'), per-attempt timeout (ms); its group and its owner ('' for
-- none); its dependencies ('' for none): '<ref> <policy>' pairs, space separated, a ref being a job id of this queue
-- or '@<k>', the k-th job of this batch (the caller has checked that the batch's own references form no cycle).
-- Returns per job {job id, created_at, 1 if an earlier submission was replayed else 0, status}.
-- Errors: UNKNOWN_TYPE, IDEMPOTENCY_MISMATCH, JOB_EXISTS, UNKNOWN_DEPENDENCY <id> (no such job in this queue).
local stream, index, schedule, types = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, window, dead_ttl, prefix, n = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local function arg(i, k)
  return ARGV[5 + 13 * (i - 1) + k]
end
-- The optional fields (_prelude.lua's OPTIONAL_FIELDS) a job's arguments 8 to 12 give, in that order.
local GIVEN = {'m', 'b', 't', 'g', 'o'}
-- Job i's dependencies as {ref, policy} pairs.
local function dependencies_of(i)
  local list = {}
  for ref, policy in string.gmatch(arg(i, 13), '(%S+) (%S+)') do
    list[#list + 1] = {ref, policy}
  end
  return list
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
  if arg(i, 13) ~= '' then
    for _, dependency in ipairs(dependencies_of(i)) do
      local ref = dependency[1]
      if string.sub(ref, 1, 1) ~= '@' and redis.call('EXISTS', prefix .. ref) == 0 then
        return redis.error_reply('UNKNOWN_DEPENDENCY ' .. ref)
      end
    end
  end
end

local now = now_ms()
-- Numbers go to Redis as text made here once: Lua formats a number it passes with sprintf('%.14g'), which cost an
-- enqueue a twelfth of its work when it wrote four per job.
local now_text = number_text[now]
local rows, indexed = {}, {}
for i = 1, n do
  local job, id, run_at, key = KEYS[4 + i], arg(i, 1), tonumber(arg(i, 5)), tonumber(arg(i, 6))
  if earlier[i] then
    local s = redis.call('HMGET', prefix .. earlier[i], 'created_at', 'status')
    rows[i] = {earlier[i], tonumber(s[1]) or 0, 1, s[2] or 'expired'}
  else
    local status, due_field, due_value, has = 'queued', 'entry_id', nil, ''
    for k, letter in ipairs(GIVEN) do
      if arg(i, 7 + k) ~= '' then
        redis.call('HSET', job, OPTIONAL_FIELDS[letter], arg(i, 7 + k))
        has = has .. letter
      end
    end
    if arg(i, 13) ~= '' then
      status, due_field, due_value = 'waiting', 'deps_pending', '0' -- counted below, once every job of the batch exists
    elseif run_at > now then
      status, due_field, due_value = 'scheduled', 'run_at', arg(i, 5)
      redis.call('ZADD', schedule, arg(i, 5), id)
    else
      due_value = add_entry(stream, job, id, has)
    end
    redis.call('HSET', job, 'status', status, 'type', arg(i, 2), 'payload', arg(i, 3), 'attempts', '0', 'runs', '0',
      'created_at', now_text, 'traceparent', arg(i, 4), 'version', '1', due_field, due_value)
    if run_at > 0 and status ~= 'scheduled' then
      -- Due already (a schedule's occurrence): when it was due; or, for a waiting job, when it may run once released.
      redis.call('HSET', job, 'run_at', arg(i, 5))
    end
    indexed[#indexed + 1] = now_text
    indexed[#indexed + 1] = id
    if key > 0 then
      redis.call('SET', KEYS[key], id .. '|' .. arg(i, 7), 'PX', window)
    end
    publish(channel, now, { job_id = id, version = 1, status = status, attempts = 0, type = arg(i, 2),
      owner = arg(i, 12) ~= '' and arg(i, 12) or nil })
    rows[i] = {id, now, 0, status}
  end
end
-- In slices: Lua's unpack takes a few thousand values at most.
for first = 1, #indexed, 1000 do
  redis.call('ZADD', index, unpack(indexed, first, math.min(first + 999, #indexed)))
end

-- Dependencies, once every job of the batch exists: each edge is recorded on its dependency, and settled at once
-- if the dependency has ended already.
for i = 1, n do
  local dependencies = not earlier[i] and arg(i, 13) ~= '' and dependencies_of(i) or {}
  if #dependencies > 0 then
    local id, job, listed, count = arg(i, 1), KEYS[4 + i], {}, 0
    for _, dependency in ipairs(dependencies) do
      local ref, policy = dependency[1], dependency[2]
      if string.sub(ref, 1, 1) == '@' then
        ref = rows[tonumber(string.sub(ref, 2))][1] -- the job written, or the earlier one its key replayed
      end
      if not listed[ref] then
        listed[ref], count = policy, count + 1
      end
    end
    redis.call('HSET', job, 'dependencies', cjson.encode(listed), 'deps_total', count, 'deps_pending', count)
    for ref, policy in pairs(listed) do
      local s = redis.call('HMGET', prefix .. ref, 'status', 'result')
      if not s[1] then
        -- Only an earlier job replayed by its key can be gone by now: it ran long ago, nothing to wait for.
        if redis.call('HINCRBY', job, 'deps_pending', -1) <= 0 and redis.call('HGET', job, 'status') == 'waiting' then
          release(channel, job, id, now)
        end
      else
        redis.call('HSET', dependants_key(prefix .. ref), id, policy)
        redis.call('HINCRBY', prefix .. ref, 'dependants', 1)
        if is_terminal(s[1]) then
          local ended = {}
          settle_edge(channel, prefix, ref, s[1], s[2], id, policy, now, dead_ttl, ended)
          if ended[1] then
            settle_dependants(channel, prefix, id, ended[1][2], now, dead_ttl)
          end
        end
      end
    end
    rows[i][4] = redis.call('HGET', job, 'status') -- released at once if every dependency was done already
  end
end
return rows
