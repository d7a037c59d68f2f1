using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Dashboard;

/// <summary>A dead letter with the trace of its job, while the job is kept.</summary>
public sealed record FailedJob(DeadLetter Letter, string? TraceId);

public sealed record QueueSnapshot(QueueStats Stats, IReadOnlyList<PendingEntry> PendingEntries, IReadOnlyList<FailedJob> RecentFailures);

/// <summary>
/// The job queue the dashboard shows, read through the product's own <see cref="QueueInspector"/> (the reads
/// the API's /queue serves); connects to the AppHost's Redis on first use.
/// </summary>
public sealed class DashboardQueue(Func<string>? connectionString, string queueName) : IAsyncDisposable
{
    private const int PendingShown = 50;
    private const int FailuresShown = 20;

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _redis;
    private QueueInspector? _inspector;

    public bool IsConfigured => connectionString is not null;

    public string QueueName => queueName;

    public async Task<QueueSnapshot> ReadAsync()
    {
        var inspector = await InspectorAsync();
        var (letters, _) = await inspector.DeadLettersAsync(FailuresShown, cursor: null);
        var failures = await Task.WhenAll(letters.Select(async l => new FailedJob(l, await inspector.TraceIdOfAsync(l.JobId))));
        return new QueueSnapshot(await inspector.StatsAsync(), await inspector.PendingAsync(PendingShown), failures);
    }

    /// <summary>A job's hash fields, or null if there is no such job.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> ReadJobAsync(string jobId) =>
        await (await InspectorAsync()).JobFieldsAsync(jobId);

    private async Task<QueueInspector> InspectorAsync()
    {
        if (_inspector is not null)
        {
            return _inspector;
        }

        await _connecting.WaitAsync();
        try
        {
            _redis ??= await RedisConnections.ConnectAsync(
                connectionString?.Invoke() ?? throw new InvalidOperationException("No queue is configured for the dashboard."),
                "jobqueue-dashboard");
            return _inspector ??= new QueueInspector(_redis,
                new QueueDirectory(_redis, Microsoft.Extensions.Options.Options.Create(new QueueOptions { Name = queueName })));
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
