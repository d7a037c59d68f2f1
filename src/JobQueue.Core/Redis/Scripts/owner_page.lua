-- One page of an owner's index (job ids scored by the time of their last change, ms): the entries that sort after a
-- cursor, the (score, member) of the last entry the caller took, in the index's own order (by score, then by the
-- member's bytes). A catch-up reads it a page at a time while jobs change, so neither an offset nor a score alone can
-- be the cursor:
-- - an offset shifts when an entry before it leaves: a job the caller already took changes (it moves to a later
--   score) or is deleted, and the entry that slid into its place would be skipped;
-- - a score alone cannot say where in a run of equal scores the caller stopped, and runs are long (a batch of up to
--   20,000 jobs is written in one script call: one ms), so re-reading the run from its start costs up to a whole
--   batch per page.
-- A position in the order never moves: whatever sorts after it now is exactly what the caller has not taken (a score
-- is the Redis time of a change, so a job only ever moves to a later one and none leaves that range unseen) plus what
-- moved there after it was taken (the caller sees it again, newer). The position is found by rank: the run of the cursor's score is counted (ZCOUNT,
-- O(log N)) and searched by halves for its first member after the cursor's (O(log N) per step), all in one script so
-- the index cannot change in between.
-- KEYS[1] owner index; ARGV[1] the cursor's score, ARGV[2] its member ('' sorts before every member: the whole run of
-- that score), ARGV[3] page size
-- Returns {member, score, member, score, ...}: a full page, or fewer at the index's end.
local index, score, member, size = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])

-- Whether a sorts after b as a sorted set orders members of one score: bytewise (Lua's own < follows the locale).
local function sorts_after(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x > y
    end
  end
  return #a > #b
end

-- Ranks [first, last) hold the cursor's score; the page starts at the first of them whose member sorts after the cursor's.
local first = redis.call('ZCOUNT', index, '-inf', '(' .. score)
local last = first + redis.call('ZCOUNT', index, score, score)
while first < last do
  local middle = math.floor((first + last) / 2)
  if sorts_after(redis.call('ZRANGE', index, middle, middle)[1], member) then
    last = middle
  else
    first = middle + 1
  end
end
return redis.call('ZRANGE', index, first, first + size - 1, 'WITHSCORES')
