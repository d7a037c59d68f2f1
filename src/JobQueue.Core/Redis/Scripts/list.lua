-- Pages through jobs, newest first, optionally only those of one status, type, owner and group, created within a
-- time range. The index is the queue's (scored by creation) or, to list one owner's jobs, the owner's (scored by last
-- change: newest change first; the creation range is then checked on each job). The cursor is "<score>:<job id>" of
-- the last job examined; at most 2,000 index entries are examined per call, so a rare match may take several pages
-- (some empty) but never blocks Redis.
-- KEYS[1] index; ARGV[1] job key prefix, ARGV[2] status, ARGV[3] type, ARGV[4] owner, ARGV[5] group ('' for any of
-- these), ARGV[6] limit, ARGV[7] cursor ('' to start), ARGV[8] created from, ARGV[9] created until (ms, inclusive;
-- '' for open), ARGV[10] what the index scores: 'created' or 'changed'
-- Returns {next cursor ('' at the end), position, position, ...}: each job found as '<score>:<job id>' (its cursor),
-- so that the pages of a queue's partitions can be merged in order.
local index, prefix, limit = KEYS[1], ARGV[1], tonumber(ARGV[6])
local wanted = { ARGV[2], ARGV[3], ARGV[4], ARGV[5] }
local by_creation = ARGV[10] == 'created'
local created_from, created_until = tonumber(ARGV[8]), tonumber(ARGV[9])
local filtered = ARGV[2] ~= '' or ARGV[3] ~= '' or ARGV[4] ~= '' or ARGV[5] ~= '' or (not by_creation and (created_from or created_until))
local max_score, min_score, after_id = '+inf', '-inf', nil
if by_creation then
  max_score, min_score = ARGV[9] ~= '' and ARGV[9] or '+inf', ARGV[8] ~= '' and ARGV[8] or '-inf'
end
if ARGV[7] ~= '' then
  max_score, after_id = string.match(ARGV[7], '^(%d+):(.+)$')
end

local function matches(id)
  if not filtered then
    return true
  end
  local s = redis.call('HMGET', prefix .. id, 'status', 'type', 'owner', 'group', 'created_at')
  for i = 1, 4 do
    if wanted[i] ~= '' and s[i] ~= wanted[i] then
      return false
    end
  end
  local created = tonumber(s[5])
  return by_creation or (created ~= nil and (not created_from or created >= created_from) and (not created_until or created <= created_until))
end

local found, examined, cursor, offset = {}, 0, ARGV[7], 0
while examined < 2000 do
  local batch = redis.call('ZREVRANGEBYSCORE', index, max_score, min_score, 'WITHSCORES', 'LIMIT', offset, 200)
  if #batch == 0 then
    return {'', unpack(found)}
  end
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    -- Jobs sharing the cursor's score come in descending id order: skip up to and including the cursor's job.
    if not (after_id and score == max_score and id >= after_id) then
      examined = examined + 1
      cursor = score .. ':' .. id
      if matches(id) then
        found[#found + 1] = cursor
        if #found == limit then
          return {cursor, unpack(found)}
        end
      end
    end
  end
  offset = offset + 200
end
return {cursor, unpack(found)}
