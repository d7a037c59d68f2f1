-- Shared by every script (prepended when loaded). All keys of a queue share one hash tag, so the keys a
-- script builds from a job id (prefix .. id) land in the same slot as the keys it was given.

-- The statuses a job never leaves (but for a manual retry of a failed one).
local function is_terminal(status)
  return status == 'done' or status == 'failed' or status == 'canceled'
end

-- The one rule for a job id in a stream entry that names no job: a UUID as JobQueue writes it (8-4-4-4-12 hex digits),
-- else the entry is malformed (_claim.lua). An entry that names a job's hash names a job, whatever its id.
local function valid_job_id(id)
  return id ~= nil and string.match(id, '^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$') ~= nil
end

-- A number as the text Redis stores. Lua formats a number with sprintf('%.14g') wherever it meets one as text (in a
-- concatenation, or as an argument of redis.call); a claim or a completion of a batch writes the same few numbers job
-- after job (attempt 1, run 1, a version, the time), so each is formatted once per script call.
local number_text = setmetatable({}, { __index = function(texts, n)
  local text = tostring(n)
  texts[n] = text
  return text
end })

local function now_ms()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end

-- A key of the queue a script works on, built from its events channel ('{q}:events'), so it shares the
-- queue's hash tag: queue_key(channel, 'controls') is '{q}:controls'.
local function queue_key(channel, name)
  return string.sub(channel, 1, #channel - 6) .. name
end

-- Raises the wake-up marker of the queue whose stream ('{q}:stream') is given: '{q}:wake', a sorted set with one
-- member, which idle workers wait on with BZPOPMIN. Redis hands it to one waiting worker only, so new work wakes one
-- worker, not every idle one; a worker that then leaves entries behind raises it again (read_and_claim.lua).
local function wake_one_worker(stream)
  redis.call('ZADD', string.sub(stream, 1, #stream - 6) .. 'wake', '0', 'entry')
end

-- The optional fields of a job's hash, each named by a letter. The enqueue writes those a job was given; a job's
-- stream entry lists the ones its hash holds (add_entry), and so does its claim's token, so the claim and the
-- completion ask only for fields that are there: Redis finds a field a hash lacks by walking the whole hash, and these
-- are missing from most jobs.
local OPTIONAL_FIELDS = { m = 'max_attempts', b = 'backoff', t = 'timeout_ms', g = 'group', o = 'owner', d = 'deps_total' }
local ALL_OPTIONAL = 'mbtgod'

local NO_OPTIONAL_FIELDS = {} -- read only

-- Reads the optional fields `letters` names from a job's hash. Returns {field = value} of those it holds, and their
-- letters.
local function read_optional(job, letters)
  if letters == '' then
    return NO_OPTIONAL_FIELDS, ''
  end
  local found, has, fields, named = {}, '', {}, {}
  for letter in string.gmatch(letters, '%a') do
    if OPTIONAL_FIELDS[letter] then
      fields[#fields + 1], named[#named + 1] = OPTIONAL_FIELDS[letter], letter
    end
  end
  if #fields == 0 then
    return found, has
  end
  local values = redis.call('HMGET', job, unpack(fields))
  for i = 1, #fields do
    if values[i] then
      found[fields[i]], has = values[i], has .. named[i]
    end
  end
  return found, has
end

-- Puts a job in its queue's stream, the entry a worker takes it from, and wakes a worker: once per script call,
-- however many entries the call adds. The entry names the job ('job_id') and the optional fields its hash holds ('has':
-- their letters, '' for none; read here when the caller does not say), and nothing more: the claim reads the rest from
-- the job's hash, and every field an entry carries is written by the XADD and read back by every XREADGROUP. An entry
-- an older version wrote has no 'has' (the claim reads every optional field for it); an older worker reads the job id
-- and passes 'has' by.
local woken -- whether this call raised the marker
local function add_entry(stream, job, id, has)
  if not has then
    local _
    _, has = read_optional(job, ALL_OPTIONAL)
  end
  local entry = redis.call('XADD', stream, '*', 'job_id', id, 'has', has)
  if not woken then
    wake_one_worker(stream)
    woken = true
  end
  return entry
end

-- How long an owner's index (queue_key(channel, 'owner:<owner>'), job ids by last change, ms) keeps a job: as
-- long as the longest default retention (a failed job's, 7 days), so a device that comes back within it misses nothing.
local OWNER_INDEX_KEEP_MS = 7 * 24 * 3600 * 1000
-- The event log's length when the queue's controls do not set it: off, because three more XADDs per job cost about
-- 8% of the drain benchmark's throughput (docs/http-api.md, "Queue event feed"); a queue whose listeners need it turns it on.
local EVENT_LOG_DEFAULT_LENGTH = 0
local event_log_length -- read once per script call: at the first change, or by a script that reads the controls anyway
local listened -- whether a process listens for this queue's changes ('{q}:listeners' exists): read once per script call

-- Tells the world a job's new state, in three places: the owner's index (a device that reconnects reads what
-- changed since it last heard), the queue's event log (a bounded stream listeners resume from; its entry id is
-- the event's id) and the pub/sub channel the API processes hear (live). Hot paths (enqueue, claim, completion)
-- pass the state they just wrote; false (a missing hash field) is sent as absent. `event` names the change in the
-- log: the status, or 'progress'.
-- A change is published when someone can hear it (heard): the job has an owner (whose feed may be open anywhere), the
-- queue's log is on, or a process announced that it listens (an API process following a job for a client:
-- QueueListeners.cs). Else nobody would read the message, and encoding and publishing it was a tenth of Redis's work per
-- job; the claim and the completion do not even read the fields only the message carries.
-- change: {job_id, version, status, attempts, type?, progress?, result?, error?, owner?}; `at`, `event` and `type` go
-- out only where a feed can see the change (the job has an owner, or the queue's log is on).
local function heard(channel, owner)
  if event_log_length == nil then
    event_log_length = tonumber(redis.call('HGET', queue_key(channel, 'controls'), 'event_log_length')) or EVENT_LOG_DEFAULT_LENGTH
  end
  if owner or event_log_length > 0 then
    return true
  end
  if listened == nil then
    listened = redis.call('EXISTS', queue_key(channel, 'listeners')) == 1
  end
  return listened
end

local function publish(channel, now, change, event)
  if not heard(channel, change.owner) then
    return
  end
  if change.owner or event_log_length > 0 then
    -- What only the feeds read (an owner's, the queue's).
    change.at = now
    change.event = event
  else
    -- A job no feed can see: the lean message watchers of one job need.
    change.type = nil
  end
  if change.owner then
    local index = queue_key(channel, 'owner:' .. change.owner)
    redis.call('ZADD', index, now, change.job_id)
    if is_terminal(change.status) then
      redis.call('ZREMRANGEBYSCORE', index, '-inf', now - OWNER_INDEX_KEEP_MS)
      redis.call('PEXPIRE', index, OWNER_INDEX_KEEP_MS)
    end
  end
  local data = cjson.encode(change)
  if event_log_length > 0 then
    local id = redis.call('XADD', queue_key(channel, 'event-log'), 'MAXLEN', '~', event_log_length, '*',
      'event', event or change.status, 'data', data)
    data = '{"event_id":"' .. id .. '",' .. string.sub(data, 2)
  end
  redis.call('PUBLISH', channel, data)
end

-- Records that a job changed (its version goes up) and publishes the state as stored: for the rarer
-- changes (cancel, retry, promotion, progress, failure), where reading it back costs nothing that matters.
local function changed(channel, job, id, event)
  local version = redis.call('HINCRBY', job, 'version', 1)
  local s = redis.call('HMGET', job, 'status', 'attempts', 'progress', 'result', 'last_error', 'owner')
  publish(channel, now_ms(), { job_id = id, version = version, status = s[1], attempts = tonumber(s[2]) or 0,
    progress = s[3] or nil, result = s[4] or nil, error = s[5] or nil, owner = s[6] or nil }, event)
end

-- Ends a job for good: its status, finish time, its totals, and how long the record is kept. A failed job
-- also gets a dead letter (with its error and attempts) and is kept as long as dead letters are.
local function finish(job, id, status, error, now, stats, dead, ttl_ms, dead_ttl_ms)
  redis.call('HSET', job, 'status', status, 'finished_at', now)
  redis.call('HINCRBY', stats, status, 1)
  if status == 'failed' then
    redis.call('HSET', job, 'last_error', error)
    local s = redis.call('HMGET', job, 'type', 'attempts')
    local letter = redis.call('XADD', dead, '*', 'job_id', id, 'type', s[1] or '', 'attempts', s[2] or 0, 'error', error)
    redis.call('HSET', job, 'dead_letter_id', letter)
    redis.call('PEXPIRE', job, dead_ttl_ms)
  else
    redis.call('PEXPIRE', job, ttl_ms)
  end
end

-- A job's attempts are kept in its own hash, so they expire with it, go with it when it is deleted and stay when it
-- is retried: one field per run for its start, 'a:<run>' = '<attempt>|<started ms>|<consumer>', written by the claim
-- that starts it (_claim.lua), and one for its end, 'e:<run>' = '<ended ms>|<outcome>|<error>', written by the script
-- that ends it (complete.lua: succeeded, retrying, failed; cancel.lua: canceled; the claim that finds it was not
-- renewed in time: lost). Plain strings, not JSON: the claim and completion write them on every job. The consumer and
-- the error come last, so they need no escaping. The trace is the job's (its traceparent: no script changes it), read
-- with them, not repeated: a start record stays under 64 bytes (hash-max-listpack-value), so a small job's hash keeps
-- its compact encoding. The newest ATTEMPTS_KEPT runs are kept.
local ATTEMPTS_KEPT = 25
-- How much of an attempt's error its record keeps, in bytes (`last_error` keeps the latest one whole).
local ATTEMPT_ERROR_KEPT = 500

-- The end record of an attempt ('e:<run>'). An error is cut short on a character boundary: never inside a UTF-8
-- sequence (whose continuation bytes are 0x80-0xBF).
local function attempt_end(now, outcome, error_text)
  if #error_text > ATTEMPT_ERROR_KEPT then
    local cut = ATTEMPT_ERROR_KEPT
    while cut > 0 and string.byte(error_text, cut + 1) >= 0x80 and string.byte(error_text, cut + 1) < 0xC0 do
      cut = cut - 1
    end
    error_text = string.sub(error_text, 1, cut)
  end
  return now .. '|' .. outcome .. '|' .. error_text
end

-- A claim's token, which the worker sends back with the attempt's progress, renewals and completion:
-- '<run>|<entry>|<has>|<start record>', the run the claim started, the stream entry it took, the optional fields its
-- job's hash holds (their letters: see OPTIONAL_FIELDS; the completion reads only those), and what the claim wrote in
-- 'a:<run>'. The attempt still holds its job while the job's latest run is its run and that run's record is its own: a
-- later claim (a takeover) starts another run, and a run number claimed again after a failover lost the first claim
-- has another record (time, consumer). The entry only keeps tokens apart: jobs taken together in one call share their
-- record's time and consumer, and a worker tells its attempts apart by token (LeaseRenewer). Nothing is written for a
-- token, nor deleted when its attempt ends: the scripts that end it change the job's status. Returns the run ('' when
-- the token is not one), the start record, the letters and the entry.
local function token_parts(token)
  local run, entry, has, start = string.match(token, '^(%d+)|([^|]*)|(%a*)|(.+)$')
  return run or '', start, has, entry
end

-- Whether an attempt's token holds its job, given the job's `runs` and the start record of the token's run (HMGET
-- 'runs', 'a:' .. run).
local function token_holds(run, start, runs, record)
  return run ~= '' and runs == run and record == start
end

-- The keys of a job group (a tenant, a user: jobs that carry "group", held to the queue's group_concurrency),
-- built from the queue's job key prefix ('{q}:job:'), so they share the queue's hash tag:
-- '{q}:group:<group>:running' (set of the group's running job ids), '{q}:group:<group>:waiting' (list of ids
-- held back while the group was at its limit).
local function group_key(job_prefix, group, what)
  return string.sub(job_prefix, 1, #job_prefix - 4) .. 'group:' .. group .. ':' .. what
end
