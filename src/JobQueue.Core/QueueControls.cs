using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// What an operator sets on a queue, kept in Redis (<see cref="QueueKeys.Controls"/>) so every worker obeys it
/// and it survives restarts: pause and resume, the queue's <see cref="QueueLimits"/>, and how long its event log is.
/// Scripts read these in the same call that acts on them, so a change holds from the next call on, everywhere.
/// </summary>
public sealed class QueueControls(IConnectionMultiplexer redis, QueueDirectory queues)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>A paused queue accepts jobs but starts none; jobs already running finish.</summary>
    public async Task PauseAsync(string? queue) =>
        await Db.HashSetAsync((await queues.KnownAsync(queue)).Controls, "paused", 1);

    public async Task ResumeAsync(string? queue) =>
        await Db.HashDeleteAsync((await queues.KnownAsync(queue)).Controls, "paused");

    /// <summary>Replaces the queue's limits (<see cref="QueueLimits.None"/> lifts them); invalid limits throw, nothing written.</summary>
    public async Task SetLimitsAsync(string? queue, QueueLimits limits)
    {
        if (limits.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(limits));
        }

        var keys = await queues.KnownAsync(queue);
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
        var keys = await queues.KnownAsync(queue);
        await Db.HashSetAsync(keys.Controls, "event_log_length", length);
        if (length == 0)
        {
            await Db.KeyDeleteAsync(keys.EventLog);
        }
    }

    /// <summary>The event log's length when none is set (off), as _prelude.lua's EVENT_LOG_DEFAULT_LENGTH says why.</summary>
    public const int DefaultEventLogLength = 0;

    public const int MaxEventLogLength = 1_000_000;

    /// <summary>Whether the queue is paused, its limits, and its event log's length.</summary>
    public async Task<(bool Paused, QueueLimits Limits, int EventLogLength)> GetAsync(string? queue)
    {
        var values = await Db.HashGetAsync(queues.Keys(queue).Controls,
            ["paused", "concurrency", "rate_max", "rate_period_ms", "group_concurrency", "event_log_length"]);
        return (values[0] == 1, new QueueLimits(
            (int?)values[1], (int?)values[2], values[3].HasValue ? TimeSpan.FromMilliseconds((long)values[3]) : null, (int?)values[4]),
            (int?)values[5] ?? DefaultEventLogLength);
    }
}
