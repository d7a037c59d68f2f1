using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks.Scenarios;

/// <summary>
/// Enqueue-to-start latency: jobs submitted one by one at a fixed rate (open loop) to idle workers; each
/// job's wait is its handler's start minus its submission, both wall-clock microseconds on this machine.
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
            // Warm up first (JIT, connections, script cache): the figure is for workers that have been running.
            var warmUp = await system.ProduceAsync(settings.LatencyRate, settings.LatencyDuration / 5);
            await WaitUntilDoneAsync(system, warmUp, group);
            var measuredSince = UnixMicroseconds.Now();
            var meter = await redis.StartMeterAsync();
            var jobs = await system.ProduceAsync(settings.LatencyRate, settings.LatencyDuration);
            await WaitUntilDoneAsync(system, warmUp + jobs, group);
            var cost = await meter.StopAsync(jobs);
            var waits = (await system.WaitTimesAsync(measuredSince)).Order().ToArray();
            if (waits.Length != jobs)
            {
                throw new InvalidOperationException($"{system.Name}: {waits.Length} wait times recorded for {jobs} jobs");
            }

            var result = new LatencyResult(system.Name, settings.LatencyRate, settings.LatencyWorkers, jobs,
                Percentile(waits, 0.50), Percentile(waits, 0.95), Percentile(waits, 0.99), Math.Round(waits[^1], 2), cost);
            Console.WriteLine($"  latency  {system.Name,-8} {settings.LatencyRate}/s, {settings.LatencyWorkers} workers: p50 {result.P50Ms} ms, p95 {result.P95Ms} ms, p99 {result.P99Ms} ms, max {result.MaxMs} ms");
            results.Add(result);
        }

        return results;
    }

    private static async Task WaitUntilDoneAsync(IQueueSystem system, int jobs, WorkerGroup group)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (await system.CompletedAsync() < jobs)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{system.Name}: not all {jobs} jobs done 2 minutes after the last was submitted. Workers:\n{group.Console()}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}
