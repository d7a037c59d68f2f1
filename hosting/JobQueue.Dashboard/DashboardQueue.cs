using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Dashboard;

public sealed record PendingEntry(string EntryId, string Consumer, TimeSpan Idle, int Deliveries);

public sealed record ConsumerInfo(string Name, long Pending, TimeSpan Idle);

public sealed record FailedJob(string JobId, DateTimeOffset FailedAt, string Type, int Attempts, string? Error, string? TraceId);

public sealed record QueueSnapshot(
    long StreamLength, long Pending, IReadOnlyList<ConsumerInfo> Consumers, IReadOnlyList<PendingEntry> PendingEntries,
    IReadOnlyList<FailedJob> RecentFailures);

/// <summary>Reads the job queue's live state from its Redis for the Queue page; connects on first use.</summary>
public sealed class DashboardQueue(Func<string>? connectionString, string queueName) : IAsyncDisposable
{
    private readonly QueueKeys _keys = new(queueName);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _redis;

    public bool IsConfigured => connectionString is not null;

    public string QueueName => queueName;

    public async Task<QueueSnapshot> ReadAsync()
    {
        var db = (await ConnectAsync()).GetDatabase();
        var length = await db.StreamLengthAsync(_keys.Stream);
        if (length == 0 && !await db.KeyExistsAsync(_keys.Stream))
        {
            return new QueueSnapshot(0, 0, [], [], await RecentFailuresAsync(db));
        }

        var summary = await db.StreamPendingAsync(_keys.Stream, QueueKeys.ConsumerGroup);
        var consumers = await db.StreamConsumerInfoAsync(_keys.Stream, QueueKeys.ConsumerGroup);
        var pending = await db.StreamPendingMessagesAsync(_keys.Stream, QueueKeys.ConsumerGroup, 50, RedisValue.Null);
        return new QueueSnapshot(
            length,
            summary.PendingMessageCount,
            [.. consumers.Select(c => new ConsumerInfo(c.Name!, c.PendingMessageCount, TimeSpan.FromMilliseconds(c.IdleTimeInMilliseconds)))],
            [.. pending.Select(p => new PendingEntry(p.MessageId!, p.ConsumerName!, TimeSpan.FromMilliseconds(p.IdleTimeInMilliseconds), p.DeliveryCount))],
            await RecentFailuresAsync(db));
    }

    /// <summary>A job's hash fields, or null if there is no such job.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> ReadJobAsync(string jobId)
    {
        var fields = await (await ConnectAsync()).GetDatabase().HashGetAllAsync(_keys.Job(jobId));
        return fields.Length == 0 ? null : fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
    }

    /// <summary>The trace id inside a W3C traceparent (<c>00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;</c>).</summary>
    public static string? TraceIdOf(string? traceParent) =>
        traceParent?.Split('-') is [_, var traceId, _, _] ? traceId : null;

    /// <summary>The newest dead letters, each with the trace of its job (while the job is kept).</summary>
    private async Task<IReadOnlyList<FailedJob>> RecentFailuresAsync(IDatabase db)
    {
        var letters = await db.StreamRangeAsync(_keys.Dead, "-", "+", 20, Order.Descending);
        var jobs = new List<FailedJob>();
        foreach (var letter in letters)
        {
            var jobId = letter["job_id"].ToString();
            jobs.Add(new FailedJob(
                jobId,
                DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(letter.Id.ToString().Split('-')[0])),
                letter["type"].ToString(),
                (int)letter["attempts"],
                letter["error"].ToString(),
                TraceIdOf(await db.HashGetAsync(_keys.Job(jobId), "traceparent"))));
        }

        return jobs;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        if (_redis is not null)
        {
            return _redis;
        }

        await _connecting.WaitAsync();
        try
        {
            return _redis ??= await RedisConnections.ConnectAsync(
                connectionString?.Invoke() ?? throw new InvalidOperationException("No queue is configured for the dashboard."),
                "jobqueue-dashboard");
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
