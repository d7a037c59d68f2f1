using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks.Scenarios;

/// <summary>Enqueue throughput through each system's client library, every variant it offers, from an empty Redis.</summary>
public static class LibraryEnqueue
{
    public static async Task<IReadOnlyList<EnqueueResult>> RunAsync(BenchRedis redis, IReadOnlyList<IQueueSystem> systems, BenchSettings settings)
    {
        var results = new List<EnqueueResult>();
        foreach (var system in systems)
        {
            foreach (var variant in system.EnqueueVariants)
            {
                await redis.FlushAsync();
                var meter = await redis.StartMeterAsync();
                var run = await system.EnqueueAsync(variant, settings.EnqueueJobs, settings.EnqueueWindow, settings.EnqueueBatch);
                var result = new EnqueueResult(system.Name, variant, run.Jobs, Math.Round(run.PerSecond), await meter.StopAsync(run.Written));
                Console.WriteLine($"  enqueue  {system.Name,-8} {variant,-16} {result.PerSecond,9:N0} jobs/s  Redis {result.Redis.CpuMicroseconds} µs/job");
                results.Add(result);
            }
        }

        return results;
    }
}
