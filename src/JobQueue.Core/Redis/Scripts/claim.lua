-- Claims entries XREADGROUP just delivered to this consumer (delivered once, a moment ago).
-- KEYS and ARGV[1..7] as in _claim.lua's claim_context; then ARGV[8] number of entries n,
-- ARGV[8 + i] id of entry i, ARGV[8 + n + i] the job id it names ('' if none)
-- Returns one row per entry (see _claim.lua).
local c, n = claim_context(), tonumber(ARGV[8])
local rows = {}
for i = 1, n do
  rows[i] = claim_entry(c, ARGV[8 + i], ARGV[8 + n + i], 1)
end
return rows
