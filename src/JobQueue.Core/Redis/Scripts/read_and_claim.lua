-- Takes up to ARGV[8] new entries for this consumer (XREADGROUP without BLOCK) and claims them in the same call,
-- within what the queue's controls allow: nothing while it is paused; no more than its concurrency limit lets
-- run at once (running: entries pending in the group, on every worker); no more than its rate limit lets start
-- in the current window; and no job of a group (a tenant, a user) while group_concurrency of its jobs run: such a
-- job is held back, out of the stream, in its group's waiting list (see _prelude.lua's group_key) until
-- release.lua gives it a new entry. A worker with nothing to take waits outside a script, on the queue's wake-up
-- marker (_prelude.lua's wake_one_worker); one that leaves entries behind raises the marker again, so that
-- another idle worker takes some of them. Each job claimed gets the record of its attempt's start (see _claim.lua).
-- KEYS[1..3] and ARGV[1..7] as in _claim.lua's claim_context; KEYS[4] controls, KEYS[5] rate window, KEYS[6] the
-- set of groups with jobs held back; ARGV[8] how many to take
-- Returns {state, hold ms, drained, then the rows, flat (see _claim.lua)}:
--   state 'ready'; 'paused'; or 'limited': nothing may start now, and hold ms says until when (the rate window's
--     end; 0 when a running job must end first)
--   drained: 1 when no entry is left waiting behind the ones taken (the worker waits for the wake-up marker), else 0
--   one row per entry taken (see _claim.lua), or entry, job id, 'held' for a job its group's limit held back

-- Whether a stream entry ({id, fields}, or nil) comes after the entry `id` ('<ms>-<seq>').
local function entry_after(entry, id)
  if not entry then
    return false
  end
  local ms, seq = string.match(entry[1], '^(%d+)-(%d+)$')
  local id_ms, id_seq = string.match(id, '^(%d+)-(%d+)$')
  ms, id_ms = tonumber(ms), tonumber(id_ms)
  return ms > id_ms or (ms == id_ms and tonumber(seq) > tonumber(id_seq))
end

local c = claim_context()
local controls, window, held_groups = KEYS[4], KEYS[5], KEYS[6]
local want = tonumber(ARGV[8])
local ctl = redis.call('HMGET', controls, 'paused', 'concurrency', 'rate_max', 'rate_period_ms', 'group_concurrency',
  'event_log_length')
event_log_length = tonumber(ctl[6]) or EVENT_LOG_DEFAULT_LENGTH -- read here, publish() need not read it again
local group_limit = tonumber(ctl[5])
if ctl[1] == '1' then
  return {'paused', 0, 0}
end
local concurrency, rate_max = tonumber(ctl[2]), tonumber(ctl[3])
if concurrency then
  want = math.min(want, concurrency - redis.call('XPENDING', c.stream, c.group)[1])
  if want <= 0 then
    return {'limited', 0, 0}
  end
end
if rate_max then
  local started = tonumber(redis.call('GET', window) or '0')
  if started >= rate_max then
    local left = redis.call('PTTL', window)
    if left < 0 then
      redis.call('PEXPIRE', window, ctl[4])
      left = tonumber(ctl[4])
    end
    return {'limited', left, 0}
  end
  want = math.min(want, rate_max - started)
end

local reply = redis.call('XREADGROUP', 'GROUP', c.group, c.consumer, 'COUNT', number_text[want], 'STREAMS', c.stream, '>')
local out, claimed = {'ready', 0, 0}, 0
local entries = reply and reply[1][2] or {}
for _, e in ipairs(entries) do
  -- The job and the optional fields its hash holds (unknown when an older version wrote the entry).
  local fields, id, has = e[2], nil, nil
  for f = 1, #fields - 1, 2 do
    if fields[f] == 'job_id' then
      id = fields[f + 1]
    elseif fields[f] == 'has' then
      has = fields[f + 1]
    end
  end
  local group = group_limit and id and (not has or string.find(has, 'g', 1, true))
    and redis.call('HGET', c.prefix .. id, 'group')
  if group and redis.call('SCARD', group_key(c.prefix, group, 'running')) >= group_limit then
    drop_entry(c, e[1])
    redis.call('HDEL', c.prefix .. id, 'entry_id')
    redis.call('RPUSH', group_key(c.prefix, group, 'waiting'), id)
    redis.call('SADD', held_groups, group)
    add_row(out, e[1], id, 'held')
  elseif claim_entry(c, out, e[1], id, 1, has) == 'claimed' then
    claimed = claimed + 1
    if group then
      redis.call('SADD', group_key(c.prefix, group, 'running'), id)
    end
  end
end
if #c.ended > 0 then
  trim_ended_entries(c.stream, c.group, c.ended)
end
if rate_max and claimed > 0 and redis.call('INCRBY', window, claimed) == claimed then
  redis.call('PEXPIRE', window, ctl[4])
end
-- Drained when no entry is left behind the last one taken. A take that got all it asked for and left some behind
-- raises the marker again; one that took the last entry wakes nobody (nor does its worker ask again at once). The
-- stream's newest entry tells: reading it is a seek to the stream's end, where reading the entry after the last one
-- taken walks that entry's node of the stream from its start.
if #entries < want or not entry_after(redis.call('XREVRANGE', c.stream, '+', '-', 'COUNT', 1)[1], entries[#entries][1]) then
  out[3] = 1
else
  wake_one_worker(c.stream)
end
return out
