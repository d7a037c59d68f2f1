-- Included by the scripts that write, end or bring back jobs (enqueue, complete, cancel, the claim scripts, retry):
-- jobs that wait for other jobs (workflows). All of a graph lives in one queue, so every key below shares its slot.
--
-- A job given dependencies is `waiting` until each has counted. Its hash holds `dependencies` (JSON object:
-- dependency id -> policy), `deps_total` and `deps_pending` (how many have not counted yet). Each dependency's
-- '<job>:dependants' hash holds dependant id -> policy, with '+' appended once the edge has counted, and its own
-- hash `dependants` (how many). An edge counts when its dependency ends `done` (its result is copied into the
-- dependant's '<job>:results' hash, so the dependant reads it even after the dependency's record expires), or ends
-- failed or canceled under policy 'continue'. Under 'fail' (the default) or 'cancel', a dependency that fails for
-- good or is canceled fails or cancels a waiting dependant instead (`settled_by` names it), which then settles its
-- own dependants the same way. When the last edge counts, the dependant is released: queued (or scheduled, if it
-- was given a later run_at) exactly once, by the script that counted it.

local function dependants_key(job)
  return job .. ':dependants'
end

local function results_key(job)
  return job .. ':results'
end

-- A waiting job whose dependencies have all counted: into the stream, or the schedule while its run_at is ahead.
local function release(channel, job, id, now)
  local run_at = tonumber(redis.call('HGET', job, 'run_at'))
  if run_at and run_at > now then
    redis.call('ZADD', queue_key(channel, 'scheduled'), run_at, id)
    redis.call('HSET', job, 'status', 'scheduled')
  else
    redis.call('HSET', job, 'status', 'queued',
      'entry_id', add_entry(queue_key(channel, 'stream'), job, id))
  end
  changed(channel, job, id)
end

-- Settles one edge (dependency `id`, which ended with `status` and, if done, `result`; its dependant under `policy`)
-- if it has not counted yet. A dependant failed or canceled here is appended to `ended`, to settle its own edges.
local function settle_edge(channel, prefix, id, status, result, dependant, policy, now, dead_ttl, ended)
  if string.sub(policy, -1) == '+' then
    return
  end
  local job = prefix .. dependant
  local d = redis.call('HMGET', job, 'status', 'settled_by')
  local dependant_status = d[1]
  if not dependant_status then
    return -- expired or deleted: nothing waits
  end
  if status == 'done' or policy == 'continue' then
    redis.call('HSET', dependants_key(prefix .. id), dependant, policy .. '+')
    -- A dependant that ended counts no more, unless another dependency failed it: retrying that one brings it back
    -- waiting, with what counted meanwhile.
    local revivable = dependant_status == 'failed' and d[2]
    if is_terminal(dependant_status) and not revivable then
      return
    end
    if status == 'done' then
      redis.call('HSET', results_key(job), id, result or 'null')
      local ttl = revivable and redis.call('PTTL', job) or 0
      if ttl > 0 then
        redis.call('PEXPIRE', results_key(job), ttl) -- kept as long as the failed dependant is
      end
    end
    if redis.call('HINCRBY', job, 'deps_pending', -1) <= 0 and dependant_status == 'waiting' then
      release(channel, job, dependant, now)
    end
  elseif dependant_status == 'waiting' then
    local outcome = policy == 'cancel' and 'canceled' or 'failed'
    finish(job, dependant, outcome, 'dependency ' .. id .. ' ended ' .. status, now, queue_key(channel, 'stats'),
      queue_key(channel, 'dead'), dead_ttl, dead_ttl)
    redis.call('HSET', job, 'settled_by', id)
    changed(channel, job, dependant)
    ended[#ended + 1] = {dependant, outcome}
  end
end

-- Called once a job has ended (done, failed or canceled): its results hash expires with it, and its dependants
-- are settled, and theirs, as far as the failure carries. A failed or canceled dependant is kept `dead_ttl` ms.
local function settle_dependants(channel, prefix, id, status, now, dead_ttl)
  local ended, i = {{id, status}}, 1
  while ended[i] do
    local ended_id, ended_status = ended[i][1], ended[i][2]
    local job = prefix .. ended_id
    local s = redis.call('HMGET', job, 'deps_total', 'dependants', 'result')
    local ttl = redis.call('PTTL', job)
    if s[1] and ttl > 0 then
      redis.call('PEXPIRE', results_key(job), ttl)
    end
    if s[2] then
      local edges = redis.call('HGETALL', dependants_key(job))
      for e = 1, #edges, 2 do
        settle_edge(channel, prefix, ended_id, ended_status, s[3], edges[e], edges[e + 1], now, dead_ttl, ended)
      end
      if ttl > 0 then
        redis.call('PEXPIRE', dependants_key(job), ttl) -- its dependants stay listed as long as it is
      end
    end
    i = i + 1
  end
end

-- Called when a failed job is retried: the dependants it failed (policy 'fail') wait for it again, and theirs.
-- What they counted meanwhile still counts; what they had not, they wait for.
local function revive_dependants(channel, prefix, id)
  local revived, i = {id}, 1
  while revived[i] do
    local job = prefix .. revived[i]
    redis.call('PERSIST', dependants_key(job))
    local edges = redis.call('HGETALL', dependants_key(job))
    for e = 1, #edges, 2 do
      local dependant = prefix .. edges[e]
      local s = redis.call('HMGET', dependant, 'status', 'settled_by', 'dead_letter_id')
      if s[1] == 'failed' and s[2] == revived[i] then
        if s[3] then
          redis.call('XDEL', queue_key(channel, 'dead'), s[3])
        end
        redis.call('PERSIST', dependant)
        redis.call('PERSIST', results_key(dependant))
        redis.call('PERSIST', dependants_key(dependant))
        redis.call('HDEL', dependant, 'finished_at', 'dead_letter_id', 'settled_by', 'last_error')
        redis.call('HSET', dependant, 'status', 'waiting')
        changed(channel, dependant, edges[e])
        revived[#revived + 1] = edges[e]
      end
    end
    i = i + 1
  end
end
