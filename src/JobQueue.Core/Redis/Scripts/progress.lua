-- Records a running attempt's progress (small JSON), fenced by its claim token like a completion
-- (_prelude.lua's token_holds).
-- KEYS[1] job hash; ARGV[1] token, ARGV[2] progress JSON, ARGV[3] job id, ARGV[4] events channel
-- Returns 1 if recorded, 0 if the attempt no longer holds the job.
local job = KEYS[1]
local run, start = token_parts(ARGV[1])
local state = redis.call('HMGET', job, 'status', 'runs', 'a:' .. run)
if state[1] ~= 'processing' or not token_holds(run, start, state[2], state[3]) then
  return 0
end
redis.call('HSET', job, 'progress', ARGV[2])
changed(ARGV[4], job, ARGV[3], 'progress')
return 1
