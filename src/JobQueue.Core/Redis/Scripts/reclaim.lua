-- Claims entries XAUTOCLAIM took over for this consumer: delivered before, maybe to workers that died. Their
-- delivery count (XPENDING) counts towards the attempts; one no longer pending here is another worker's. The attempt
-- that was running elsewhere is ended 'lost' in its record, and the new one's start recorded (see _claim.lua).
-- KEYS and ARGV[1..7] as in _claim.lua's claim_context; then ARGV[8] number of entries n,
-- ARGV[8 + i] id of entry i, ARGV[8 + n + i] the job id it names ('' if none)
-- Returns one row per entry (see _claim.lua).
local c, n = claim_context(), tonumber(ARGV[8])
local rows = {}
for i = 1, n do
  local entry = ARGV[8 + i]
  local pending = redis.call('XPENDING', c.stream, c.group, entry, entry, 1)
  local deliveries = #pending == 1 and pending[1][2] == c.consumer and tonumber(pending[1][4]) or nil
  claim_entry(c, rows, entry, ARGV[8 + n + i], deliveries)
end
if #c.ended > 0 then
  trim_ended_entries(c.stream, c.group, c.ended)
end
return rows
