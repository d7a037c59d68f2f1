using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// The queue's housekeeping, which any process may run and which needs no seat in the consumer group: moving
/// due scheduled jobs into the stream, releasing jobs their group's limit held back, and trimming what retention
/// leaves behind. Each step is one script, so
/// any number of processes running it at once do each piece of work once.
/// </summary>
internal sealed class QueueMaintenance(IConnectionMultiplexer redis, QueueKeys keys, QueueOptions options)
{
    private const int PromoteBatch = 500;
    private const int JanitorIndexBatch = 500;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Moves scheduled jobs that are due into the stream; returns how many.</summary>
    public async Task<int> PromoteDueAsync() =>
        (int)await QueueScripts.Promote.EvaluateAsync(Db, [keys.Scheduled, keys.Stream],
            [keys.JobPrefix, PromoteBatch, keys.Events.ToString()]);

    /// <summary>Gives jobs held back by their group's limit a new entry where their group has room; returns how many.</summary>
    public async Task<int> ReleaseHeldAsync() =>
        (int)await QueueScripts.Release.EvaluateAsync(Db, [keys.HeldGroups, keys.Stream, keys.Controls], [keys.JobPrefix]);

    /// <summary>
    /// Trims dead letters past their retention, drops index entries of expired jobs (checking a batch from
    /// <paramref name="indexCursor"/>), and removes consumers idle longer than <paramref name="consumerIdleLimit"/>
    /// with nothing pending. Returns what it removed and where to continue in the index.
    /// </summary>
    public async Task<(int IndexEntries, int Consumers, long NextIndexCursor)> CleanUpAsync(TimeSpan consumerIdleLimit, long indexCursor)
    {
        var removed = (RedisResult[])(await QueueScripts.Janitor.EvaluateAsync(Db,
            [keys.Stream, keys.Jobs, keys.Dead],
            [
                QueueKeys.ConsumerGroup, keys.JobPrefix, (long)options.DeadLetterRetention.TotalMilliseconds,
                (long)consumerIdleLimit.TotalMilliseconds, JanitorIndexBatch, indexCursor,
            ]))!;
        return ((int)removed[0], (int)removed[1], (long)removed[2]);
    }
}
