using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks.Scenarios;

/// <summary>
/// Enqueue-to-start latency: jobs submitted one by one at a fixed rate (open loop) to idle workers; each
/// job's wait is its handler's start minus its submission, both wall-clock microseconds on this machine.
/// The workers' first seconds (the warm-up) are reported apart from the measured run that follows.
/// </summary>
public static class Latency
{
    public static async Task<IReadOnlyList<LatencyResult>> RunAsync(BenchRedis redis, IReadOnlyList<IQueueSystem> systems, BenchSettings settings)
    {
        var results = new List<LatencyResult>();
        foreach (var system in systems)
        {
            await redis.FlushAsync();
            await using var group = await system.StartWorkersAsync(settings.LatencyWorkers, settings.Concurrency);
            var warmUp = await system.ProduceAsync(settings.LatencyRate, settings.LatencyWarmUp);
            await Completion.WaitForAsync(system, group, warmUp, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(10));
            var measuredSince = UnixMicroseconds.Now();
            var meter = await redis.StartMeterAsync();
            var jobs = await system.ProduceAsync(settings.LatencyRate, settings.LatencyDuration);
            await Completion.WaitForAsync(system, group, warmUp + jobs, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(10));
            var cost = await meter.StopAsync(jobs);

            var all = await system.WaitTimesAsync();
            var waits = all.Where(w => w.SubmittedMicroseconds >= measuredSince).Select(w => w.WaitMs).Order().ToArray();
            var warmUpWaits = all.Where(w => w.SubmittedMicroseconds < measuredSince).Select(w => w.WaitMs).Order().ToArray();
            if (waits.Length != jobs || warmUpWaits.Length != warmUp)
            {
                throw new InvalidOperationException(
                    $"{system.Name}: {waits.Length} + {warmUpWaits.Length} wait times recorded for {jobs} + {warmUp} jobs");
            }

            var result = new LatencyResult(system.Name, settings.LatencyRate, settings.LatencyWorkers, jobs,
                Percentile(waits, 0.50), Percentile(waits, 0.95), Percentile(waits, 0.99), Math.Round(waits[^1], 2),
                Percentile(warmUpWaits, 0.99), cost);
            Console.WriteLine($"  latency  {system.Name,-8} {settings.LatencyRate}/s, {settings.LatencyWorkers} workers: p50 {result.P50Ms} ms, p95 {result.P95Ms} ms, p99 {result.P99Ms} ms, max {result.MaxMs} ms (warm-up p99 {result.WarmUpP99Ms} ms)");
            results.Add(result);
        }

        return results;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}
