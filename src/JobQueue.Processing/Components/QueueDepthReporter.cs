using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Reports the queue's depth as gauges: stream length (jobs waiting or running) and pending entries (running).
/// Read from Redis every few seconds, so exporting metrics never waits on Redis.
/// </summary>
public sealed class QueueDepthReporter(IConnectionMultiplexer redis, QueueKeys keys, ILogger<QueueDepthReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private long _length;
    private long _pending;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        JobQueueTelemetry.Meter.CreateObservableGauge("jobqueue.stream.length", () => Interlocked.Read(ref _length), "{entry}",
            "Entries in the stream: jobs waiting or running.");
        JobQueueTelemetry.Meter.CreateObservableGauge("jobqueue.stream.pending", () => Interlocked.Read(ref _pending), "{entry}",
            "Entries delivered to a worker and not yet finished.");
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var db = redis.GetDatabase();
                Interlocked.Exchange(ref _length, await db.StreamLengthAsync(keys.Stream));
                Interlocked.Exchange(ref _pending, (await db.StreamPendingAsync(keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
            }
            catch (Exception e) when (e.IsRedisFailure())
            {
                logger.LogDebug("Reading the queue depth failed: {Reason}", e.Message);
            }
        }
        while (await timer.TickAsync(stoppingToken));
    }
}
