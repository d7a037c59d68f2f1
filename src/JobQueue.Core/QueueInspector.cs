using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// Reads what an operator looks at: each queue's figures, its running entries, its dead letters, a job's raw
/// hash. The API's <c>/queues</c> and <c>/dead-letters</c> and the dashboard's queue pages all read through it.
/// Every read is bounded (no key scans), so it stays fast however many jobs a queue holds. A null queue is the default one.
/// </summary>
public sealed class QueueInspector(IConnectionMultiplexer redis, QueueDirectory queues)
{
    private readonly QueueControls _controls = new(redis, queues);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>The figures of every queue, the default first.</summary>
    public async Task<IReadOnlyList<QueueStats>> AllStatsAsync() =>
        await Task.WhenAll((await queues.NamesAsync()).Select(StatsAsync));

    /// <summary>
    /// Stream length, running entries, consumers, scheduled jobs, dead letters, totals by outcome, pause and limits; of a
    /// partitioned queue, the sums over its partitions (a consumer's pending entries summed over those it reads).
    /// </summary>
    public async Task<QueueStats> StatsAsync(string? queue = null)
    {
        var partitions = await queues.PartitionsAsync(queue);
        var controls = _controls.GetAsync(partitions[0].Name);
        var parts = await Task.WhenAll(partitions.Select(PartitionStatsAsync));
        var (paused, limits, eventLogLength) = await controls;
        return new QueueStats(partitions[0].Queue, parts.Sum(p => p.Waiting), parts.Sum(p => p.Length), parts.Sum(p => p.Pending),
            [.. parts.SelectMany(p => p.Consumers).GroupBy(c => c.Name).Select(c => new ConsumerStats(c.Key, c.Sum(x => x.Pending), c.Min(x => x.Idle)))],
            parts.Sum(p => p.Scheduled), parts.Sum(p => p.Dead),
            parts.SelectMany(p => p.Totals).GroupBy(t => t.Name.ToString()).ToDictionary(t => t.Key, t => t.Sum(x => (long)x.Value)),
            paused, limits, eventLogLength);
    }

    private async Task<(long Waiting, long Length, long Pending, IReadOnlyList<ConsumerStats> Consumers, long Scheduled, long Dead, HashEntry[] Totals)> PartitionStatsAsync(
        QueueKeys keys)
    {
        var db = Db;
        var length = db.StreamLengthAsync(keys.Stream);
        var scheduled = db.SortedSetLengthAsync(keys.Scheduled);
        var dead = db.StreamLengthAsync(keys.Dead);
        var totals = db.HashGetAllAsync(keys.Stats);
        var group = await db.KeyExistsAsync(keys.Stream)
            ? (await db.StreamGroupInfoAsync(keys.Stream)).FirstOrDefault(g => g.Name == QueueKeys.ConsumerGroup)
            : default;
        if (group.Name is null)
        {
            return (await length, await length, 0, [], await scheduled, await dead, await totals);
        }

        var consumers = await db.StreamConsumerInfoAsync(keys.Stream, QueueKeys.ConsumerGroup);
        // Waiting is the group's lag: the stream also holds ended entries behind a long-running job (complete.lua). Redis
        // cannot tell the lag while an entry deleted ahead of the group (a job canceled while queued) is unread; then
        // the length less the running entries is the nearest figure it gives.
        var waiting = group.Lag ?? Math.Max(0, await length - group.PendingMessageCount);
        return (waiting, await length, group.PendingMessageCount,
            [.. consumers.Select(c => new ConsumerStats(c.Name!, c.PendingMessageCount, TimeSpan.FromMilliseconds(c.IdleTimeInMilliseconds)))],
            await scheduled, await dead, await totals);
    }

    /// <summary>
    /// How long the oldest job no worker has taken yet has waited, by Redis's clock (zero when none waits): of a partitioned
    /// queue, the longest of any partition. An entry's id is the time it was queued (or, scheduled, became due).
    /// </summary>
    public async Task<TimeSpan> OldestWaitAsync(string? queue = null)
    {
        var db = Db;
        var now = await db.NowAsync();
        var since = await Task.WhenAll((await queues.PartitionsAsync(queue)).Select(async keys =>
        {
            // The first entry after the group's last delivered one; with no group yet, the first of all.
            var group = await db.KeyExistsAsync(keys.Stream)
                ? (await db.StreamGroupInfoAsync(keys.Stream)).FirstOrDefault(g => g.Name == QueueKeys.ConsumerGroup)
                : default;
            RedisValue after = group.Name is null ? "-" : "(" + group.LastDeliveredId;
            var first = await db.StreamRangeAsync(keys.Stream, after, "+", 1);
            return first.Length == 0 ? now : StreamEntryTime.Of(first[0].Id.ToString());
        }));
        return now - since.Min() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero;
    }

    /// <summary>The oldest <paramref name="limit"/> running entries: which consumer holds each, for how long, delivered how often, which job.</summary>
    public async Task<IReadOnlyList<PendingEntry>> PendingAsync(int limit, string? queue = null)
    {
        var partitions = await Task.WhenAll((await queues.PartitionsAsync(queue)).Select(keys => PendingAsync(keys, limit)));
        return [.. partitions.SelectMany(p => p).OrderByDescending(p => p.Idle).Take(limit)];
    }

    private async Task<IReadOnlyList<PendingEntry>> PendingAsync(QueueKeys keys, int limit)
    {
        if (!await Db.KeyExistsAsync(keys.Stream) || (await Db.StreamGroupInfoAsync(keys.Stream)).Length == 0)
        {
            return [];
        }

        var pending = await Db.StreamPendingMessagesAsync(keys.Stream, QueueKeys.ConsumerGroup, limit, RedisValue.Null);
        var entries = await Task.WhenAll(pending.Select(p => Db.StreamRangeAsync(keys.Stream, p.MessageId, p.MessageId, 1)));
        return [.. pending.Zip(entries, (p, entry) => new PendingEntry(
            p.MessageId!, p.ConsumerName!, TimeSpan.FromMilliseconds(p.IdleTimeInMilliseconds), p.DeliveryCount,
            entry.Length > 0 ? entry[0]["job_id"].ToString() : null))];
    }

    /// <summary>
    /// Dead letters, newest first; <paramref name="cursor"/> is the last entry id of the previous page (a partitioned
    /// queue's letters are merged by their entry ids, which are times).
    /// </summary>
    public async Task<(IReadOnlyList<DeadLetter> Letters, string? NextCursor)> DeadLettersAsync(int limit, string? cursor, string? queue = null)
    {
        var partitions = await queues.PartitionsAsync(queue);
        var pages = await Task.WhenAll(partitions.Select(keys =>
            Db.StreamRangeAsync(keys.Dead, "-", cursor is null ? "+" : "(" + cursor, limit + 1, Order.Descending)));
        var entries = pages.SelectMany(p => p).OrderByDescending(e => StreamEntryId.Parse(e.Id.ToString()!)).Take(limit + 1).ToList();
        var letters = entries.Take(limit).Select(e => new DeadLetter(
            e.Id.ToString(),
            e["job_id"].ToString(),
            e["type"].ToString(),
            (int)e["attempts"],
            e["error"].ToString(),
            StreamEntryTime.Of(e.Id.ToString()))).ToList();
        return (letters, entries.Count > limit ? letters[^1].EntryId : null);
    }

    /// <summary>A job's hash as stored, field by field (see docs/architecture.md, "Redis keys"); null if there is no such job.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> JobFieldsAsync(string jobId)
    {
        if (await queues.LocateAsync(jobId) is not { } keys)
        {
            return null;
        }

        var fields = await Db.HashGetAllAsync(keys.Job(jobId));
        return fields.Length == 0 ? null : fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
    }

    /// <summary>
    /// Every worker process registered in the registry of any queue or partition (<see cref="QueueKeys.Workers"/>), newest
    /// seen first: running ones, and stopped or dead ones until the registry forgets them (not seen for as long as a job is
    /// kept). A worker reading several queues is listed once. Two reads per partition, made at once.
    /// </summary>
    public async Task<IReadOnlyList<WorkerRegistration>> WorkersAsync()
    {
        var db = Db;
        var partitions = await queues.AllPartitionsAsync();
        var reads = partitions.Select(keys => (Registrations: db.HashGetAllAsync(keys.Workers), Seen: db.SortedSetRangeByRankWithScoresAsync(keys.WorkersSeen))).ToList();
        await Task.WhenAll(reads.SelectMany(r => new Task[] { r.Registrations, r.Seen }));
        var registered = new List<WorkerRegistration>();
        foreach (var (registrations, seen) in reads)
        {
            var lastSeen = seen.Result.ToDictionary(s => s.Element.ToString(), s => (long)s.Score, StringComparer.Ordinal);
            registered.AddRange(registrations.Result
                .Where(r => lastSeen.ContainsKey(r.Name.ToString()))
                .Select(r => WorkerRegistration.FromStored(r.Name.ToString(), r.Value.ToString(), lastSeen[r.Name.ToString()]))
                .OfType<WorkerRegistration>());
        }

        return [.. registered.GroupBy(w => w.Consumer, StringComparer.Ordinal)
            .Select(copies => copies.MaxBy(w => w.LastSeenAt)!)
            .OrderByDescending(w => w.LastSeenAt).ThenBy(w => w.Consumer, StringComparer.Ordinal)];
    }

    /// <summary>The trace a job's spans belong to (from the W3C traceparent stored with it), while the job is kept.</summary>
    public async Task<string?> TraceIdOfAsync(string jobId) =>
        await queues.LocateAsync(jobId) is { } keys ? TraceParent.TraceIdOf(await Db.HashGetAsync(keys.Job(jobId), JobHash.TraceParent)) : null;
}

/// <summary>
/// A running entry: the consumer holding it, how long since it was delivered or renewed, how often delivered, and the
/// job it carries (null if the entry is gone: it ended meanwhile).
/// </summary>
public sealed record PendingEntry(string EntryId, string Consumer, TimeSpan Idle, int Deliveries, string? JobId);
