using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// What an operator sets on a queue, kept in Redis (<see cref="QueueKeys.Controls"/>) so every worker obeys it
/// and it survives restarts: pause and resume, the queue's <see cref="QueueLimits"/>, and how long its event log is.
/// Scripts read these in the same call that acts on them, so a change holds from the next call on, everywhere. A
/// partitioned queue (<see cref="QueuePartitions"/>) keeps them in each partition: pausing pauses every one, and a
/// limit is divided among them (each enforces its share; a group, which lives in one partition, keeps its whole limit).
/// </summary>
public sealed class QueueControls(IConnectionMultiplexer redis, QueueDirectory queues)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>A paused queue accepts jobs but starts none; jobs already running finish.</summary>
    public async Task PauseAsync(string? queue) =>
        await Task.WhenAll((await PartitionsAsync(queue)).Select(keys => Db.HashSetAsync(keys.Controls, "paused", 1)));

    public async Task ResumeAsync(string? queue) =>
        await Task.WhenAll((await PartitionsAsync(queue)).Select(keys => Db.HashDeleteAsync(keys.Controls, "paused")));

    /// <summary>
    /// Replaces the queue's limits (<see cref="QueueLimits.None"/> lifts them); invalid limits throw, nothing written. A
    /// partitioned queue's concurrency and rate are divided among its partitions, so each needs at least one per partition.
    /// </summary>
    public async Task SetLimitsAsync(string? queue, QueueLimits limits)
    {
        var partitions = await PartitionsAsync(queue);
        if (limits.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(limits));
        }

        if (partitions.Count > 1 && (limits.Concurrency < partitions.Count || limits.RateMax < partitions.Count))
        {
            throw new PartitionedQueueException("Limit below partitions",
                $"Queue '{partitions[0].Queue}' has {partitions.Count} partitions, each enforcing a share of its limits: concurrency and rate must be at least {partitions.Count}.");
        }

        await Task.WhenAll(partitions.Select((keys, i) => SetLimitsAsync(keys, limits.ShareOf(i, partitions.Count))));
    }

    private async Task SetLimitsAsync(QueueKeys keys, QueueLimits limits)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.HashDeleteAsync(keys.Controls, ["concurrency", "rate_max", "rate_period_ms", "group_concurrency"]);
        var set = new List<HashEntry>();
        if (limits.Concurrency is { } concurrency)
        {
            set.Add(new("concurrency", concurrency));
        }

        if (limits.GroupConcurrency is { } groupConcurrency)
        {
            set.Add(new("group_concurrency", groupConcurrency));
        }

        if (limits is { RateMax: { } max, RatePeriod: { } period })
        {
            set.AddRange([new("rate_max", max), new("rate_period_ms", (long)period.TotalMilliseconds)]);
        }

        if (set.Count > 0)
        {
            _ = transaction.HashSetAsync(keys.Controls, [.. set]);
        }

        _ = transaction.KeyDeleteAsync(keys.RateWindow); // a new rate starts a new window
        await transaction.ExecuteAsync();
    }

    /// <summary>
    /// Sets how many changes the queue's event log (<see cref="QueueKeys.EventLog"/>) keeps, about; 0 turns it off (its
    /// feed then has nothing to resume from). It is off unless set (<see cref="DefaultEventLogLength"/>).
    /// </summary>
    public async Task SetEventLogLengthAsync(string? queue, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxEventLogLength);
        foreach (var keys in await PartitionsAsync(queue))
        {
            await Db.HashSetAsync(keys.Controls, "event_log_length", length);
            if (length == 0)
            {
                await Db.KeyDeleteAsync(keys.EventLog);
            }
        }
    }

    /// <summary>The event log's length when none is set (off), as _prelude.lua's EVENT_LOG_DEFAULT_LENGTH says why.</summary>
    public const int DefaultEventLogLength = 0;

    public const int MaxEventLogLength = 1_000_000;

    /// <summary>Whether the queue is paused, its limits (a partitioned queue's: the sum of its partitions' shares), and its event log's length.</summary>
    public async Task<(bool Paused, QueueLimits Limits, int EventLogLength)> GetAsync(string? queue)
    {
        var partitions = await Task.WhenAll((await queues.PartitionsAsync(queue)).Select(keys => Db.HashGetAsync(keys.Controls,
            ["paused", "concurrency", "rate_max", "rate_period_ms", "group_concurrency", "event_log_length"])));
        var values = partitions[0];
        return (values[0] == 1, new QueueLimits(
            Sum(1), Sum(2), values[3].HasValue ? TimeSpan.FromMilliseconds((long)values[3]) : null, (int?)values[4]),
            (int?)values[5] ?? DefaultEventLogLength);

        int? Sum(int field) => partitions.All(p => p[field].HasValue) ? partitions.Sum(p => (int)p[field]) : null;
    }

    /// <summary>The partitions of a queue jobs may be sent to (<see cref="QueueDirectory.KnownAsync"/>).</summary>
    private async Task<IReadOnlyList<QueueKeys>> PartitionsAsync(string? queue) =>
        await queues.PartitionsAsync((await queues.KnownAsync(queue)).Name);
}
