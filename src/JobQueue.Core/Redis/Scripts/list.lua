-- Pages through jobs, newest first, optionally of one status. The cursor is "<created_at>:<job id>" of the
-- last job examined; at most 2,000 index entries are examined per call, so a rare status may take several
-- pages (some empty) but never blocks Redis.
-- KEYS[1] job index; ARGV[1] job key prefix, ARGV[2] status ('' for any), ARGV[3] limit, ARGV[4] cursor ('' to start)
-- Returns {next cursor ('' at the end), job id, job id, ...}.
local index, prefix, status, limit = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local max_score, after_id = '+inf', nil
if ARGV[4] ~= '' then
  max_score, after_id = string.match(ARGV[4], '^(%d+):(.+)$')
end
local found, examined, cursor, offset = {}, 0, ARGV[4], 0
while examined < 2000 do
  local batch = redis.call('ZREVRANGEBYSCORE', index, max_score, '-inf', 'WITHSCORES', 'LIMIT', offset, 200)
  if #batch == 0 then
    return {'', unpack(found)}
  end
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    -- Jobs sharing the cursor's score come in descending id order: skip up to and including the cursor's job.
    if not (after_id and score == max_score and id >= after_id) then
      examined = examined + 1
      cursor = score .. ':' .. id
      if status == '' or redis.call('HGET', prefix .. id, 'status') == status then
        found[#found + 1] = id
        if #found == limit then
          return {cursor, unpack(found)}
        end
      end
    end
  end
  offset = offset + 200
end
return {cursor, unpack(found)}
