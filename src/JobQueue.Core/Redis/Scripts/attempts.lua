-- Reads a job's attempt records (the newest ATTEMPTS_KEPT runs' 'a:<run>' and 'e:<run>': see _prelude.lua) with the
-- registration of each worker they name, in one call: the registry is the job's queue's (register_worker.lua), in the
-- same slot.
-- KEYS[1] job hash, KEYS[2] worker registrations, KEYS[3] workers by last seen
-- Returns {} for a job that does not exist or never ran, else {first run, last run, traceparent, start, end, start, end,
-- ...} (the job's traceparent, every attempt's trace, or nil; then a pair per run from the first kept to the last, nil
-- where not recorded), then {consumer, registration, last seen ms} for each consumer named (registration and last seen
-- nil once the registry has forgotten it).
local job, registrations, seen = KEYS[1], KEYS[2], KEYS[3]
local s = redis.call('HMGET', job, 'runs', 'traceparent')
local runs = tonumber(s[1]) or 0
if runs == 0 then
  return {}
end
local first = math.max(1, runs - ATTEMPTS_KEPT + 1)
local fields = {}
for run = first, runs do
  fields[#fields + 1] = 'a:' .. run
  fields[#fields + 1] = 'e:' .. run
end
local records = redis.call('HMGET', job, unpack(fields))
local out, named = {first, runs, s[2]}, {}
for i = 1, #records do
  out[i + 3] = records[i]
end
for i = 1, #records, 2 do
  -- The consumer is the start record's last part: '<attempt>|<started ms>|<consumer>'.
  local consumer = records[i] and string.match(records[i], '^[^|]*|[^|]*|(.*)$')
  if consumer and not named[consumer] then
    named[consumer] = true
    out[#out + 1] = consumer
    out[#out + 1] = redis.call('HGET', registrations, consumer)
    out[#out + 1] = redis.call('ZSCORE', seen, consumer)
  end
end
return out
