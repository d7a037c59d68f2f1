using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Dashboard;

/// <summary>
/// The product's own classes over the AppHost's Redis: what the dashboard reads and acts through, the same code the
/// HTTP API runs (no second path into Redis).
/// </summary>
public sealed record QueueServices(
    JobStore Jobs, QueueInspector Inspector, QueueControls Controls, DeadLetters DeadLetters, ScheduleStore Schedules, QueueDirectory Queues);

/// <summary>
/// The job queues the dashboard shows, with the queue settings the AppHost gives its services (retention, attempts:
/// what a cancel or retry from the dashboard applies); connects to the AppHost's Redis on first use.
/// </summary>
public sealed class DashboardQueue(Func<string>? connectionString, QueueOptions queueOptions) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _redis;
    private QueueServices? _services;

    public bool IsConfigured => connectionString is not null;

    public string DefaultQueue => queueOptions.Name;

    public async Task<QueueServices> ServicesAsync()
    {
        if (_services is not null)
        {
            return _services;
        }

        await _connecting.WaitAsync();
        try
        {
            if (_services is null)
            {
                _redis ??= await RedisConnections.ConnectAsync(
                    connectionString?.Invoke() ?? throw new InvalidOperationException("No queue is configured for the dashboard."),
                    "jobqueue-dashboard");
                var options = Options.Create(queueOptions);
                var queues = new QueueDirectory(_redis, options);
                var jobs = new JobStore(_redis, queues, options);
                _services = new QueueServices(jobs, new QueueInspector(_redis, queues), new QueueControls(_redis, queues),
                    new DeadLetters(_redis, queues, jobs), new ScheduleStore(_redis, queues, jobs, options), queues);
            }

            return _services;
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
