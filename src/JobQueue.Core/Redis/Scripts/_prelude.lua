-- Shared by every script (prepended when loaded). All keys of a queue share one hash tag, so the keys a
-- script builds from a job id (prefix .. id) land in the same slot as the keys it was given.

-- The statuses a job never leaves (but for a manual retry of a failed one).
local function is_terminal(status)
  return status == 'done' or status == 'failed' or status == 'canceled'
end

-- The one rule for a job id in a stream entry: a UUID as JobQueue writes it (8-4-4-4-12 hex digits).
local function valid_job_id(id)
  return id ~= nil and string.match(id, '^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$') ~= nil
end

local function now_ms()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end

-- Tells every API process a job's new state, so watchers get it without reading it back. Hot paths (enqueue,
-- claim, completion) pass the state they just wrote; false (a missing hash field) is sent as absent.
local function publish(channel, id, version, status, attempts, progress, result, error)
  redis.call('PUBLISH', channel, cjson.encode({
    job_id = id, status = status, version = version, attempts = attempts,
    progress = progress or nil, result = result or nil, error = error or nil }))
end

-- Records that a job changed (its version goes up) and publishes the state as stored: for the rarer
-- changes (cancel, retry, promotion, progress, failure), where reading it back costs nothing that matters.
local function changed(channel, job, id)
  local version = redis.call('HINCRBY', job, 'version', 1)
  local s = redis.call('HMGET', job, 'status', 'attempts', 'progress', 'result', 'last_error')
  publish(channel, id, version, s[1], tonumber(s[2]) or 0, s[3], s[4], s[5])
end

-- Ends a job for good: its status, finish time, its totals, and how long the record is kept. A failed job
-- also gets a dead letter (with its error and attempts) and is kept as long as dead letters are.
local function finish(job, id, status, error, now, stats, dead, ttl_ms, dead_ttl_ms)
  redis.call('HSET', job, 'status', status, 'finished_at', now)
  redis.call('HINCRBY', stats, status, 1)
  if status == 'failed' then
    redis.call('HSET', job, 'last_error', error)
    local s = redis.call('HMGET', job, 'type', 'attempts')
    local letter = redis.call('XADD', dead, '*', 'job_id', id, 'type', s[1] or '', 'attempts', s[2] or 0, 'error', error)
    redis.call('HSET', job, 'dead_letter_id', letter)
    redis.call('PEXPIRE', job, dead_ttl_ms)
  else
    redis.call('PEXPIRE', job, ttl_ms)
  end
end

-- The keys of a job group (a tenant, a user: jobs that carry "group", held to the queue's group_concurrency),
-- built from the queue's job key prefix ('{q}:job:'), so they share the queue's hash tag:
-- '{q}:group:<group>:running' (set of the group's running job ids), '{q}:group:<group>:waiting' (list of ids
-- held back while the group was at its limit).
local function group_key(job_prefix, group, what)
  return string.sub(job_prefix, 1, #job_prefix - 4) .. 'group:' .. group .. ':' .. what
end
