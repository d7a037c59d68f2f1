-- Requeues a failed job with a fresh attempt budget. What happened before is kept in `history` (JSON
-- array), its dead letter is removed, and the job keeps its trace (same traceparent). The dependants it failed wait
-- for it again (_dependencies.lua's revive_dependants).
-- KEYS[1] job hash, KEYS[2] stream, KEYS[3] dead letters
-- ARGV[1] job id, ARGV[2] events channel, ARGV[3] the queue's job key prefix
-- Returns 'queued', 'missing', or the job's status if it is not failed.
local job, id = KEYS[1], ARGV[1]
local s = redis.call('HMGET', job, 'status', 'attempts', 'last_error', 'finished_at', 'history', 'dead_letter_id')
if not s[1] then
  return 'missing'
end
if s[1] ~= 'failed' then
  return s[1]
end
local history = s[5] and cjson.decode(s[5]) or {}
history[#history + 1] = { status = s[1], attempts = tonumber(s[2]), error = s[3] or nil, finished_at = tonumber(s[4]) }
if s[6] then
  redis.call('XDEL', KEYS[3], s[6])
end
redis.call('PERSIST', job)
redis.call('PERSIST', results_key(job))
redis.call('HDEL', job, 'finished_at', 'dead_letter_id', 'progress', 'settled_by')
redis.call('HSET', job, 'status', 'queued', 'attempts', 0, 'history', cjson.encode(history),
  'entry_id', add_entry(KEYS[2], job, id))
changed(ARGV[2], job, id)
revive_dependants(ARGV[2], ARGV[3], id)
return 'queued'
