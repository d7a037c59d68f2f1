-- Extends one consumer's hold on the entries it is still running: XCLAIM ... JUSTID resets their
-- idle time without counting a delivery, so the recoverer leaves healthy long jobs alone.
-- KEYS[1] stream, KEYS[1 + i] hash of job i
-- ARGV[1] group, ARGV[2] consumer, ARGV[1 + 2i] entry id of job i, ARGV[2 + 2i] its claim token
-- Returns the tokens of the attempts this consumer no longer holds (reclaimed, or finished).
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local lost = {}
for i = 2, #KEYS do
  local entry, token = ARGV[2 * i - 1], ARGV[2 * i]
  local pending = redis.call('XPENDING', stream, group, entry, entry, 1)
  local run, start = token_parts(token)
  local state = #pending == 1 and pending[1][2] == consumer and redis.call('HMGET', KEYS[i], 'runs', 'a:' .. run)
  if state and token_holds(run, start, state[1], state[2]) then
    redis.call('XCLAIM', stream, group, consumer, 0, entry, 'JUSTID')
  else
    lost[#lost + 1] = token
  end
end
return lost
