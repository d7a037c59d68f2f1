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
-- of dependencies and earlier submissions are found by it), ARGV[5] number of jobs n, then per job: its id, type,
-- payload (JSON) and traceparent, how many options it has, and each option as a (name, value) pair: run_at (ms; a time
-- past is kept as the job's run_at), key (the position in KEYS of its idempotency key) and fingerprint (of the
-- request), its own policy (max_attempts, backoff: 'fixed:<ms>' | 'exponential:<ms>[:<max ms>]', timeout_ms: per
-- attempt), group, owner, depends_on ('<ref> <policy>' pairs, space separated, a ref being a job id of this queue or
-- '@<k>', the k-th job of this batch; the caller has checked that the batch's own references form no cycle). A job
-- sends only the options it has: each argument costs Redis about a thousand instructions to make a Lua string of.
-- Returns four values per job, one job after another: job id, created_at, 1 if an earlier submission was replayed
-- else 0, status.
-- Errors: UNKNOWN_TYPE, IDEMPOTENCY_MISMATCH, JOB_EXISTS, UNKNOWN_DEPENDENCY <id> (no such job in this queue).
local stream, index, schedule, types = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, window, dead_ttl, prefix, n = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
-- Job i's arguments start after ARGV[first[i]]; its options, by name, are options[i].
local first, options, NO_OPTIONS = {}, {}, {}
do
  local a = 5
  for i = 1, n do
    local count = ARGV[a + 5] == '0' and 0 or tonumber(ARGV[a + 5])
    first[i], options[i] = a, NO_OPTIONS
    if count > 0 then
      options[i] = {}
      for k = a + 6, a + 4 + 2 * count, 2 do
        options[i][ARGV[k]] = ARGV[k + 1]
      end
    end
    a = a + 5 + 2 * count
  end
end
-- Job i's id (k = 1), type (2), payload (3) or traceparent (4).
local function arg(i, k)
  return ARGV[first[i] + k]
end
-- The optional fields (_prelude.lua's OPTIONAL_FIELDS) an enqueue writes, named as the options that give them.
local GIVEN = {'m', 'b', 't', 'g', 'o'}
-- Job i's dependencies as {ref, policy} pairs.
local function dependencies_of(i)
  local list = {}
  for ref, policy in string.gmatch(options[i].depends_on or '', '(%S+) (%S+)') do
    list[#list + 1] = {ref, policy}
  end
  return list
end

local checked_types = redis.call('EXISTS', types) == 1
local known = {}
local earlier = {}
for i = 1, n do
  local id, type, key = arg(i, 1), arg(i, 2), tonumber(options[i].key) or 0
  if checked_types and known[type] == nil then
    known[type] = redis.call('SISMEMBER', types, type) == 1
    if not known[type] then
      return redis.error_reply('UNKNOWN_TYPE no worker has a handler for job type ' .. type)
    end
  end
  local stored = key > 0 and redis.call('GET', KEYS[key])
  if stored then
    local earlier_id, fingerprint = string.match(stored, '^([^|]*)|(.*)$')
    if fingerprint ~= options[i].fingerprint then
      return redis.error_reply('IDEMPOTENCY_MISMATCH the key was used for a different request')
    end
    earlier[i] = earlier_id
  elseif redis.call('EXISTS', KEYS[4 + i]) == 1 then
    return redis.error_reply('JOB_EXISTS job ' .. id .. ' already exists')
  end
  if options[i].depends_on then
    for _, dependency in ipairs(dependencies_of(i)) do
      local ref = dependency[1]
      if string.sub(ref, 1, 1) ~= '@' and redis.call('EXISTS', prefix .. ref) == 0 then
        return redis.error_reply('UNKNOWN_DEPENDENCY ' .. ref)
      end
    end
  end
end

local now = now_ms()
-- Numbers go to Redis as text made here once: Lua formats every number it passes with sprintf('%.14g'), a few
-- thousand instructions each.
local now_text = number_text[now]
-- The reply: job i's four values from out[4i - 3] (a table per job would cost Redis a look for an error or status
-- reply in each, as it turns the reply into RESP).
local out, indexed = {}, {}
for i = 1, n do
  local job, id, o = KEYS[4 + i], arg(i, 1), options[i]
  local run_at = tonumber(o.run_at) or 0
  local row = 4 * i - 3
  if earlier[i] then
    local s = redis.call('HMGET', prefix .. earlier[i], 'created_at', 'status')
    out[row], out[row + 1], out[row + 2], out[row + 3] = earlier[i], tonumber(s[1]) or 0, 1, s[2] or 'expired'
  else
    local status, due_field, due_value, has = 'queued', 'entry_id', nil, ''
    if o ~= NO_OPTIONS then
      for _, letter in ipairs(GIVEN) do
        local value = o[OPTIONAL_FIELDS[letter]]
        if value then
          redis.call('HSET', job, OPTIONAL_FIELDS[letter], value)
          has = has .. letter
        end
      end
    end
    if o.depends_on then
      status, due_field, due_value = 'waiting', 'deps_pending', '0' -- counted below, once every job of the batch exists
    elseif run_at > now then
      status, due_field, due_value = 'scheduled', 'run_at', o.run_at
      redis.call('ZADD', schedule, o.run_at, id)
    else
      due_value = add_entry(stream, job, id, has)
    end
    redis.call('HSET', job, 'status', status, 'type', arg(i, 2), 'payload', arg(i, 3), 'attempts', '0', 'runs', '0',
      'created_at', now_text, 'traceparent', arg(i, 4), 'version', '1', due_field, due_value)
    if run_at > 0 and status ~= 'scheduled' then
      -- Due already (a schedule's occurrence): when it was due; or, for a waiting job, when it may run once released.
      redis.call('HSET', job, 'run_at', o.run_at)
    end
    indexed[#indexed + 1] = now_text
    indexed[#indexed + 1] = id
    if o.key then
      redis.call('SET', KEYS[tonumber(o.key)], id .. '|' .. o.fingerprint, 'PX', window)
    end
    publish(channel, now, { job_id = id, version = 1, status = status, attempts = 0, type = arg(i, 2), owner = o.owner })
    out[row], out[row + 1], out[row + 2], out[row + 3] = id, now, 0, status
  end
end
-- In slices: Lua's unpack takes a few thousand values at most.
for from = 1, #indexed, 1000 do
  redis.call('ZADD', index, unpack(indexed, from, math.min(from + 999, #indexed)))
end

-- Dependencies, once every job of the batch exists: each edge is recorded on its dependency, and settled at once
-- if the dependency has ended already.
for i = 1, n do
  local dependencies = not earlier[i] and options[i].depends_on and dependencies_of(i) or {}
  if #dependencies > 0 then
    local id, job, listed, count = arg(i, 1), KEYS[4 + i], {}, 0
    for _, dependency in ipairs(dependencies) do
      local ref, policy = dependency[1], dependency[2]
      if string.sub(ref, 1, 1) == '@' then
        ref = out[4 * tonumber(string.sub(ref, 2)) - 3] -- the job written, or the earlier one its key replayed
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
    out[4 * i] = redis.call('HGET', job, 'status') -- released at once if every dependency was done already
  end
end
return out
