using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Reports each queue's depth as gauges tagged <c>jobqueue.queue</c>: stream length (jobs waiting or running, and ended
/// ones a long-running job holds behind it) and pending entries (running). Read from Redis every few seconds, so
/// exporting metrics never waits on Redis.
/// </summary>
internal sealed class QueueDepthReporter(IConnectionMultiplexer redis, WorkerQueues queues, ILogger<QueueDepthReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, (long Length, long Pending)> _depths = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        JobQueueTelemetry.Meter.CreateObservableGauge("jobqueue.stream.length", () => Measure(d => d.Length), "{entry}",
            "Entries in the stream: jobs waiting or running, and ended ones a long-running job holds behind it.");
        JobQueueTelemetry.Meter.CreateObservableGauge("jobqueue.stream.pending", () => Measure(d => d.Pending), "{entry}",
            "Entries delivered to a worker and not yet finished.");
        using var timer = new PeriodicTimer(Interval);
        do
        {
            foreach (var queue in queues.All)
            {
                try
                {
                    var (db, keys) = (redis.GetDatabase(), queue.Consumer.Keys);
                    _depths[queue.Name] = (await db.StreamLengthAsync(keys.Stream),
                        (await db.StreamPendingAsync(keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
                }
                catch (Exception e) when (e.IsRedisFailure())
                {
                    logger.LogDebug("Reading the depth of queue {Queue} failed: {Reason}", queue.Name, e.Message);
                }
            }
        }
        while (await timer.TickAsync(stoppingToken));
    }

    private IEnumerable<Measurement<long>> Measure(Func<(long Length, long Pending), long> figure) =>
        _depths.Select(d => new Measurement<long>(figure(d.Value), new KeyValuePair<string, object?>("jobqueue.queue", d.Key)));
}
