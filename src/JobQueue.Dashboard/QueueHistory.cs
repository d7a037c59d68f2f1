using JobQueue.Redis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace JobQueue.Dashboard;

/// <summary>
/// One queue at one moment, as the Queues page charts it. Finished and started are per second since the sample before;
/// started is derived (finished plus the change in running), so a retried attempt is not counted. The latencies are
/// percentiles over the newest <see cref="QueueHistory.LatencySample"/> jobs that finished in the last minute.
/// </summary>
public sealed record QueueSample(
    DateTimeOffset At, long Waiting, long Running, long Scheduled, long DeadLetters, double FinishedPerSecond, double StartedPerSecond,
    double? WaitP50Ms, double? WaitP95Ms, double? RunP50Ms, double? RunP95Ms);

/// <summary>
/// Samples every queue every <see cref="Interval"/> while the app that mounts the dashboard runs, and keeps the last
/// <see cref="Kept"/> samples of each in memory: the Queues page's charts over time (each replica of the app charts from
/// its own start). Each sample is a bounded read (the queue's figures and the newest jobs of its listing), never a scan.
/// </summary>
public sealed class QueueHistory(QueueInspector inspector, JobStore jobs, ILogger<QueueHistory> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>Half an hour of samples.</summary>
    public const int Kept = 900;

    /// <summary>How many of the newest jobs each sample reads for its latency percentiles.</summary>
    public const int LatencySample = 200;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<QueueSample>> _samples = [];
    private readonly Dictionary<string, long> _finishedBefore = [];

    /// <summary>The samples of <paramref name="queueName"/>, oldest first.</summary>
    public IReadOnlyList<QueueSample> Of(string queueName)
    {
        lock (_gate)
        {
            return _samples.TryGetValue(queueName, out var samples) ? [.. samples] : [];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    await SampleAsync();
                }
                catch (Exception e) when (RedisFailures.IsRedisFailure(e))
                {
                    logger.LogDebug(e, "Queue sample skipped: Redis is not answering");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The app is stopping.
        }
    }

    private async Task SampleAsync()
    {
        foreach (var stats in await inspector.AllStatsAsync())
        {
            var at = DateTimeOffset.UtcNow;
            var finished = stats.Totals.Values.Sum();
            var (wait, run) = await LatenciesAsync(stats.Name, at);
            lock (_gate)
            {
                var samples = _samples.TryGetValue(stats.Name, out var kept) ? kept : _samples[stats.Name] = new Queue<QueueSample>();
                var previous = samples.Count > 0 ? samples.Last() : null;
                var seconds = previous is null ? 0 : (at - previous.At).TotalSeconds;
                var finishedRate = seconds > 0 ? Math.Max(0, finished - _finishedBefore[stats.Name]) / seconds : 0;
                var startedRate = seconds > 0 ? Math.Max(0, finishedRate + (stats.Pending - previous!.Running) / seconds) : 0;
                _finishedBefore[stats.Name] = finished;
                samples.Enqueue(new QueueSample(at, stats.Waiting, stats.Pending, stats.Scheduled, stats.DeadLetters, finishedRate, startedRate,
                    Percentile(wait, 0.5), Percentile(wait, 0.95), Percentile(run, 0.5), Percentile(run, 0.95)));
                if (samples.Count > Kept)
                {
                    samples.Dequeue();
                }
            }
        }
    }

    /// <summary>Enqueue-to-start and run times (ms) of the newest jobs that finished in the last minute.</summary>
    private async Task<(List<double> Wait, List<double> Run)> LatenciesAsync(string queueName, DateTimeOffset at)
    {
        var (newest, _) = await jobs.ListAsync(JobFilter.None, LatencySample, null, queueName);
        var recent = newest.Where(j => j is { StartedAt: not null, FinishedAt: { } end } && at - end < TimeSpan.FromMinutes(1)).ToList();
        return ([.. recent.Select(j => (j.StartedAt!.Value - (j.RunAt ?? j.CreatedAt)).TotalMilliseconds).Select(ms => Math.Max(0, ms))],
            [.. recent.Select(j => (j.FinishedAt!.Value - j.StartedAt!.Value).TotalMilliseconds)]);
    }

    private static double? Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }
}
