-- Deletes a job that has ended (done, failed, canceled) before its retention would: its hash, its dead letter, its
-- place in the listing and its owner's index, and what a workflow kept for it. An unfinished job must be canceled
-- first, so a worker never runs a job whose record is gone. Nothing is published: the job simply stops existing,
-- as when its retention ends.
-- KEYS[1] job hash, KEYS[2] job index, KEYS[3] dead letters
-- ARGV[1] job id, ARGV[2] events channel
-- Returns 'deleted', 'missing', or the job's status if it has not ended.
local job, id = KEYS[1], ARGV[1]
local s = redis.call('HMGET', job, 'status', 'dead_letter_id', 'owner')
if not s[1] then
  return 'missing'
end
if not is_terminal(s[1]) then
  return s[1]
end
if s[2] then
  redis.call('XDEL', KEYS[3], s[2])
end
if s[3] then
  redis.call('ZREM', queue_key(ARGV[2], 'owner:' .. s[3]), id)
end
redis.call('ZREM', KEYS[2], id)
redis.call('DEL', job, dependants_key(job), results_key(job))
return 'deleted'
