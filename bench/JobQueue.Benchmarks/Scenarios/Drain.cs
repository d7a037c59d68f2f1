using System.Diagnostics;
using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks.Scenarios;

/// <summary>
/// Drain throughput: W worker processes start and run a warm-up of N/10 jobs (a new process compiles its hot
/// code first), then are paused, N jobs are filled in, the workers are resumed together, and the clock runs
/// until every job is recorded done.
/// </summary>
public static class Drain
{
    /// <summary>How often completion is checked: often, since the drain's clock stops at the check.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(2);

    public static async Task<IReadOnlyList<DrainResult>> RunAsync(BenchRedis redis, IReadOnlyList<IQueueSystem> systems, BenchSettings settings)
    {
        var results = new List<DrainResult>();
        foreach (var workers in settings.DrainWorkers)
        {
            foreach (var system in systems)
            {
                results.Add(await RunOnceAsync(redis, system, workers, settings));
            }
        }

        return results;
    }

    private static async Task<DrainResult> RunOnceAsync(BenchRedis redis, IQueueSystem system, int workers, BenchSettings settings)
    {
        var jobs = settings.DrainJobs;
        await redis.FlushAsync();
        await using var group = await system.StartWorkersAsync(workers, settings.Concurrency);
        var warmedUp = Math.Max(1, jobs / 10);
        await system.FillAsync(warmedUp);
        await Completion.WaitForAsync(system, group, warmedUp, TimeSpan.FromMinutes(2), Poll);
        group.Pause();
        await system.FillAsync(jobs);

        var meter = await redis.StartMeterAsync();
        var cpuBefore = group.CpuSeconds();
        var clock = Stopwatch.StartNew();
        group.Resume();
        var done = await Completion.WaitForAsync(system, group, warmedUp + jobs, TimeSpan.FromMinutes(5), Poll) - warmedUp;
        var elapsed = clock.Elapsed;
        var result = new DrainResult(system.Name, workers, settings.Concurrency, jobs, Math.Round(jobs / elapsed.TotalSeconds),
            Math.Round((group.CpuSeconds() - cpuBefore) * 1e6 / jobs, 1), await meter.StopAsync(jobs));
        if (done != jobs)
        {
            throw new InvalidOperationException($"{system.Name}: {done} jobs recorded done, {jobs} were enqueued");
        }

        Console.WriteLine($"  drain    {system.Name,-8} {workers} x {settings.Concurrency,-8} {result.PerSecond,9:N0} jobs/s  Redis {result.Redis.CpuMicroseconds} µs/job, workers {result.WorkerCpuMicrosecondsPerJob} µs/job");
        return result;
    }
}
