-- Records how attempts ended, a batch of them in one call, each fenced by its claim token (_prelude.lua's token_holds):
-- a worker whose entry was reclaimed while it ran (a zombie) changes nothing, and an attempt is recorded once (its
-- job leaves `processing`), so a job is recorded successful at most once.
-- What follows each attempt was decided by the caller (JobLifecycle.AfterAttempt); this script carries it out.
-- KEYS[1] stream, KEYS[2] dead letters, KEYS[3] totals, KEYS[4] schedule, KEYS[4 + i] hash of job i
-- ARGV[1] group, ARGV[2] events channel, ARGV[3] retention (ms), ARGV[4] dead letter retention (ms), ARGV[5] the
-- queue's job key prefix, then three per job from ARGV[6 + 3(i - 1)]: its claim's token (which names the entry and the
-- run), the decision ('done', 'fail', or the retry's delay in ms: '0' queues it again at once), the result JSON (done)
-- or the error text. The job's id is its key less the prefix. (Each argument costs Redis about a thousand
-- instructions to make a Lua string of, so nothing the token or the key already says is sent again.)
-- Returns per job 'done', 'retried' (queued again under a new entry, or scheduled until its back-off ends: the
-- forwarder promotes it, so no worker need be alive meanwhile), 'failed' (dead-lettered), 'canceled' (canceled
-- while running: the attempt lets go of the entry) or 'stale'. An attempt that lets go of its entry leaves its
-- group's running set (release.lua then gives a job the group held back its place). A job that ends settles its
-- dependants (_dependencies.lua): the last dependency done releases a waiting job, in this same call. Each attempt
-- recorded ends its attempt record ('e:<run>', see _prelude.lua: succeeded, retrying or failed, with its error cut
-- short) in the HSET that records its outcome; a stale one writes nothing, and one canceled while it ran was ended by
-- cancel.lua.

local stream, dead, stats, schedule = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local group, channel, ttl, dead_ttl, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local now = now_ms()
local now_text = number_text[now]
local released, done, results = {}, 0, {}
-- Every decision is checked before any is carried out, so a batch is recorded whole or not at all.
for a = 7, #ARGV, 3 do
  local decision = ARGV[a]
  if decision ~= 'done' and decision ~= 'fail' and not tonumber(decision) then
    return redis.error_reply('BAD_DECISION ' .. decision)
  end
end
for i = 1, #KEYS - 4 do
  local job, a = KEYS[4 + i], 5 + 3 * (i - 1)
  local decision, text = ARGV[a + 2], ARGV[a + 3]
  local run, start, has, entry = token_parts(ARGV[a + 1])
  -- 'dependants' can come after the claim (a job enqueued later may depend on this one); the optional fields cannot.
  local state = redis.call('HMGET', job, 'status', 'runs', 'a:' .. run, 'version', 'dependants')
  -- Canceled while it ran (cancel.lua): the attempt still lets go of its entry.
  if not token_holds(run, start, state[2], state[3]) or (state[1] ~= 'processing' and state[1] ~= 'canceled') then
    results[i] = 'stale'
  else
    released[#released + 1] = entry
    local id, ended = string.sub(job, #prefix + 1), 'e:' .. run
    local optional = read_optional(job, has == '' and '' or (string.gsub(has, '[^god]', ''))) -- what the end needs
    if optional.group then
      redis.call('SREM', group_key(prefix, optional.group, 'running'), id)
    end
    local settles = optional.deps_total or state[5]
    if state[1] == 'canceled' then
      results[i] = 'canceled'
    elseif decision == 'done' then
      local version = (tonumber(state[4]) or 0) + 1
      -- When it finished is its run's end record (JobHash.cs reads it there).
      redis.call('HSET', job, 'status', 'done', 'result', text, 'version', number_text[version],
        ended, attempt_end(now_text, 'succeeded', ''))
      redis.call('PEXPIRE', job, ttl)
      done = done + 1
      if heard(channel, optional.owner) then
        local more = redis.call('HMGET', job, 'progress', 'last_error')
        publish(channel, now, { job_id = id, version = version, status = 'done', attempts = tonumber(string.match(start, '^%d+')),
          progress = more[1] or nil, result = text, error = more[2] or nil, owner = optional.owner })
      end
      if settles then
        settle_dependants(channel, prefix, id, 'done', now, dead_ttl)
      end
      results[i] = 'done'
    elseif decision == 'fail' then
      redis.call('HSET', job, ended, attempt_end(now_text, 'failed', text))
      finish(job, id, 'failed', text, now, stats, dead, ttl, dead_ttl)
      changed(channel, job, id)
      if settles then
        settle_dependants(channel, prefix, id, 'failed', now, dead_ttl)
      end
      results[i] = 'failed'
    elseif tonumber(decision) > 0 then
      local run_at = now + tonumber(decision)
      redis.call('ZADD', schedule, run_at, id)
      redis.call('HSET', job, 'status', 'scheduled', 'last_error', text, 'run_at', run_at,
        ended, attempt_end(now_text, 'retrying', text))
      changed(channel, job, id)
      results[i] = 'retried'
    else
      local next = add_entry(stream, job, id, has)
      redis.call('HSET', job, 'status', 'queued', 'last_error', text, 'entry_id', next,
        ended, attempt_end(now_text, 'retrying', text))
      changed(channel, job, id)
      results[i] = 'retried'
    end
  end
end
if #released > 0 then
  redis.call('XACK', stream, group, unpack(released))
  trim_ended_entries(stream, group, released)
end
if done > 0 then
  redis.call('HINCRBY', stats, 'done', number_text[done])
end
return results
