-- Included by the scripts that end stream entries (complete, read_and_claim, reclaim): how an acknowledged entry leaves
-- the stream.

-- How many ended entries a long-running job may hold in the stream behind it (see trim_ended_entries).
local HELD_ENDED_ENTRIES_MAX = 10000

-- Ended entries (acknowledged: `ended`, this call's) leave the stream by a trim from its front, not one by one: an XDEL
-- finds its entry by walking the entry's node of the stream (up to 100 entries, most of them deleted already) from its
-- start, and cost a completion as much as all its other commands. Every entry before the group's oldest pending one was
-- delivered and acknowledged, so the stream is cut there, to whole nodes of it (cheaper, and the node's ended entries go
-- with a later cut); with nothing pending, exactly after the last entry delivered, so an idle queue's stream is empty.
-- A job running long holds the entries behind it (their jobs ended; they wait for it): past HELD_ENDED_ENTRIES_MAX of
-- them, which the group's lag tells (the stream's length less the entries waiting and running), ended entries are
-- deleted one by one again, so a job that runs for hours never grows the stream by the jobs that ran meanwhile. All but
-- the entry last delivered: Redis cannot tell the group's lag while that one is deleted (until the group reads on).
-- Unknown lag (a Redis older than 7.0, or an entry deleted by hand) counts every entry not running as held.
local function trim_ended_entries(stream, group, ended)
  local pending, last_delivered, lag = 0, nil, false
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    if g[2] == group then
      for f = 1, #g - 1, 2 do
        if g[f] == 'pending' then
          pending = g[f + 1]
        elseif g[f] == 'last-delivered-id' then
          last_delivered = g[f + 1]
        elseif g[f] == 'lag' then
          lag = g[f + 1]
        end
      end
    end
  end
  if not last_delivered then
    return -- the group is gone (the stream was deleted by hand): nothing to trim
  elseif pending > 0 then
    redis.call('XTRIM', stream, 'MINID', '~', redis.call('XPENDING', stream, group, '-', '+', 1)[1][1])
  else
    local ms, seq = string.match(last_delivered, '^(%d+)-(%d+)$')
    redis.call('XTRIM', stream, 'MINID', ms .. '-' .. (tonumber(seq) + 1))
  end
  if redis.call('XLEN', stream) - pending - (lag or 0) > HELD_ENDED_ENTRIES_MAX then
    local deleted = {}
    for _, entry in ipairs(ended) do
      if entry ~= last_delivered then
        deleted[#deleted + 1] = entry
      end
    end
    if #deleted > 0 then
      redis.call('XDEL', stream, unpack(deleted))
    end
  end
end
