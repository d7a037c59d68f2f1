-- Reads up to ARGV[8] new entries for this consumer (XREADGROUP without BLOCK) and claims them in the same
-- call: while a backlog lasts, one round trip takes a batch. An idle worker blocks outside a script instead.
-- KEYS and ARGV[1..7] as in _claim.lua's claim_context; ARGV[8] how many to read
-- Returns one row per entry read (see _claim.lua); none when nothing was waiting.
local c = claim_context()
local reply = redis.call('XREADGROUP', 'GROUP', c.group, c.consumer, 'COUNT', ARGV[8], 'STREAMS', c.stream, '>')
local rows = {}
for _, e in ipairs(reply and reply[1][2] or {}) do
  local fields, id = e[2], nil
  for f = 1, #fields - 1, 2 do
    if fields[f] == 'job_id' then
      id = fields[f + 1]
    end
  end
  rows[#rows + 1] = claim_entry(c, e[1], id, 1)
end
return rows
