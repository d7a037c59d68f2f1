-- Included by the claim scripts (read_and_claim, reclaim): what happens to one delivered entry.
-- Each replies one row per entry, starting with the entry id and its job id, every row CLAIM_ROW_WIDTH values wide
-- (padded with '') and all of them flat in the reply: a table per row would cost Redis a look for an error or status
-- reply in each, as it turns the script's reply into RESP.
--   {.., 'claimed', attempt, type, payload, token, traceparent, ms since enqueue, run, max attempts, back-off,
--        timeout ms}  job is `processing`; the token is _prelude.lua's; the last three are the job's own policy ('' where
--        unset)
--   {.., 'exhausted', attempts}  no attempts left: job `failed` and dead-lettered, entry acked and deleted
--   {.., 'finished'}    job already terminal (done, failed, canceled) or gone: entry acked and deleted
--   {.., 'unreadable', status}  the hash holds a status no script writes (edited by hand): failed, dead-lettered
--   {.., 'lost'}        a reclaimed entry no longer pending for this consumer: another worker holds it
--   {.., 'malformed'}   the entry names no valid job id: moved to the dead letters, acked and deleted
-- The attempt number is the larger of the job's recorded attempts + 1 and the entry's delivery count, so
-- neither a lost hash update nor a reclaim without a run can let a job run more than max times. Max is the
-- job's own max_attempts, else its type's (as the worker registered it), else the queue's.
-- Attempt records (see _prelude.lua): a claim writes the start of its attempt ('a:<run>') in the HSET that marks the
-- job processing, and drops the record of the run ATTEMPTS_KEPT before it. A job found `processing` (reclaimed, or
-- exhausted) had an attempt that never ended: its worker stopped renewing it (died, hung, cut off) for longer than the
-- lease (Queue:LeaseTimeout); the claim ends that attempt ('e:<run>') as 'lost'.

local CLAIM_ROW_WIDTH = 13

-- Appends one row to a claim script's reply.
local function add_row(out, entry, id, outcome, a, b, c, d, e, f, g, h, i, j)
  local n = #out
  out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5], out[n + 6], out[n + 7] = entry, id, outcome, a or '', b or '',
    c or '', d or ''
  out[n + 8], out[n + 9], out[n + 10], out[n + 11], out[n + 12], out[n + 13] = e or '', f or '', g or '', h or '', i or '',
    j or ''
  return outcome
end

-- An entry whose job will not run: acknowledged here, and cut from the stream with the others the call ended
-- (c.ended: the claim script ends with _ended_entries.lua's trim_ended_entries).
local function drop_entry(c, entry)
  redis.call('XACK', c.stream, c.group, entry)
  c.ended[#c.ended + 1] = entry
end

-- Ends the attempt of a job found `processing` whose worker stopped renewing it: its record says 'lost'. The `token`
-- field a claim of an earlier version wrote goes too: that version's completion and progress checked only that field
-- and the status, so during a rolling upgrade its stalled worker could otherwise end the job for the attempt that
-- took it over.
local function end_lost_attempt(job, runs, why, now)
  redis.call('HSET', job, 'e:' .. runs, attempt_end(now, 'lost', why))
  redis.call('HDEL', job, 'token')
end

-- Adds the entry's row to `out` and returns its outcome. `has`: the optional fields the entry says its job's hash holds
-- (see _prelude.lua's OPTIONAL_FIELDS); nil when it does not say (an older version's entry, or a reclaimed one).
-- c: {stream, dead, stats, group, consumer, max, channel, dead_ttl, prefix, type_max, now, now_text, ended}
local function claim_entry(c, out, entry, id, deliveries, has)
  if not deliveries then
    return add_row(out, entry, id or '', 'lost')
  end
  local state = id and redis.call('HMGET', c.prefix .. id, 'status', 'attempts', 'type', 'payload', 'traceparent',
    'created_at', 'runs', 'version') or {}
  local status = state[1]
  -- Only an entry whose job is not found can be malformed: a job's hash exists only under the id its enqueue checked,
  -- so the pattern (Lua's matcher, dear per job) runs only for an entry that names no job.
  if not status and not valid_job_id(id) then
    -- What an operator needs to recognise the entry: its fields, cut short.
    local found = redis.call('XRANGE', c.stream, entry, entry)
    local fields = found[1] and table.concat(found[1][2], ' ') or ''
    drop_entry(c, entry)
    redis.call('XADD', c.dead, '*', 'job_id', '', 'type', '', 'attempts', 0, 'error',
      'stream entry ' .. entry .. ' names no valid job_id (fields: ' .. string.sub(fields, 1, 200) .. ')')
    return add_row(out, entry, id or '', 'malformed')
  end
  local job = c.prefix .. id
  if status ~= 'queued' and status ~= 'processing' then
    drop_entry(c, entry)
    if status and not is_terminal(status) then
      finish(job, id, 'failed', "unreadable job: status '" .. status .. "' is not one JobQueue writes", c.now,
        c.stats, c.dead, 0, c.dead_ttl)
      changed(c.channel, job, id)
      settle_dependants(c.channel, c.prefix, id, 'failed', c.now, c.dead_ttl)
      return add_row(out, entry, id, 'unreadable', status)
    end
    return add_row(out, entry, id, 'finished')
  end
  local optional
  optional, has = read_optional(job, has or ALL_OPTIONAL)
  local attempts = tonumber(state[2]) or 0
  local attempt = math.max(attempts + 1, deliveries)
  local max = tonumber(optional.max_attempts) or c.type_max[state[3]] or c.max
  local runs = tonumber(state[7]) or 0
  if attempt > max then
    drop_entry(c, entry)
    if status == 'processing' and runs > 0 then
      end_lost_attempt(job, runs, 'no attempts left', c.now)
    end
    if optional.group then
      redis.call('SREM', group_key(c.prefix, optional.group, 'running'), id)
    end
    finish(job, id, 'failed', 'gave up after ' .. attempts .. ' attempt(s): the last one did not finish in time',
      c.now, c.stats, c.dead, 0, c.dead_ttl)
    changed(c.channel, job, id)
    settle_dependants(c.channel, c.prefix, id, 'failed', c.now, c.dead_ttl)
    return add_row(out, entry, id, 'exhausted', attempts)
  end
  local run = runs + 1
  -- The run counts every claim of the job over its whole life (a manual retry resets the attempt, not the run).
  local run_text, attempt_text = number_text[run], number_text[attempt]
  local start = attempt_text .. '|' .. c.now_text .. '|' .. c.consumer
  local version = (tonumber(state[8]) or 0) + 1
  if status == 'processing' and runs > 0 then
    end_lost_attempt(job, runs, 'taken over by ' .. c.consumer, c.now)
  end
  if run > ATTEMPTS_KEPT then
    redis.call('HDEL', job, 'a:' .. (run - ATTEMPTS_KEPT), 'e:' .. (run - ATTEMPTS_KEPT))
  end
  redis.call('HSET', job, 'status', 'processing', 'attempts', attempt_text, 'runs', run_text, 'version', number_text[version],
    'a:' .. run_text, start)
  if heard(c.channel, optional.owner) then
    local more = redis.call('HMGET', job, 'progress', 'last_error')
    publish(c.channel, c.now, { job_id = id, version = version, status = 'processing', attempts = attempt,
      type = state[3] or nil, progress = more[1] or nil, error = more[2] or nil, owner = optional.owner })
  end
  return add_row(out, entry, id, 'claimed', attempt, state[3], state[4] or 'null',
    run_text .. '|' .. entry .. '|' .. has .. '|' .. start, state[5], c.now - (tonumber(state[6]) or c.now), run,
    optional.max_attempts, optional.backoff, optional.timeout_ms)
end

-- KEYS[1] stream, KEYS[2] dead letters, KEYS[3] totals; ARGV[1] group, ARGV[2] consumer, ARGV[3] max attempts,
-- ARGV[4] events channel, ARGV[5] dead letter retention (ms), ARGV[6] job key prefix, ARGV[7] the max attempts
-- of job types that differ from ARGV[3] ('<type> <max> <type> <max> ...'): the same in every claim script.
local function claim_context()
  local now = now_ms()
  local type_max = {}
  for type, max in string.gmatch(ARGV[7], '(%S+) (%d+)') do
    type_max[type] = tonumber(max)
  end
  return { stream = KEYS[1], dead = KEYS[2], stats = KEYS[3], group = ARGV[1], consumer = ARGV[2],
    max = tonumber(ARGV[3]), channel = ARGV[4], dead_ttl = ARGV[5], prefix = ARGV[6], type_max = type_max, now = now,
    now_text = number_text[now], ended = {} }
end
