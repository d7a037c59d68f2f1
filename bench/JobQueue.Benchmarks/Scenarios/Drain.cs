using System.Diagnostics;
using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks.Scenarios;

/// <summary>
/// Drain throughput: W worker processes start and run a warm-up of N/10 jobs (a new process compiles its hot
/// code first), then are paused, N jobs are filled in, the workers are resumed together, and the clock runs
/// until every job is recorded done. The plain drain reads one queue; the shaped ones (<see cref="DrainShape"/>)
/// read a rate-limited queue, or several queues by weight, their jobs split evenly between them.
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

    /// <summary>Each shape of <see cref="BenchSettings.Shapes"/> the run asks for, with <see cref="BenchSettings.ShapedDrainWorkers"/> workers.</summary>
    public static async Task<IReadOnlyList<DrainResult>> RunShapesAsync(BenchRedis redis, IReadOnlyList<IWorkflowSystem> systems, BenchSettings settings)
    {
        var results = new List<DrainResult>();
        foreach (var shape in settings.Shapes.Where(s => settings.Runs(s.Name)))
        {
            foreach (var system in systems)
            {
                results.Add(await RunOnceAsync(redis, system, settings.ShapedDrainWorkers, settings with { DrainJobs = settings.ShapedDrainJobs }, shape));
            }
        }

        return results;
    }

    private static async Task<DrainResult> RunOnceAsync(
        BenchRedis redis, IQueueSystem system, int workers, BenchSettings settings, DrainShape? shape = null)
    {
        shape ??= DrainShape.Plain;
        var jobs = Math.Min(settings.DrainJobs, system.MostDrainJobs);
        await redis.FlushAsync();
        await using var group = await system.StartWorkersAsync(workers, settings.Concurrency, shape);
        var warmedUp = Math.Max(shape.Queues.Count, jobs / 10);
        await FillAsync(system, shape, warmedUp);
        await Completion.WaitForAsync(system, group, warmedUp, TimeSpan.FromMinutes(2), Poll);
        group.Pause();
        await FillAsync(system, shape, jobs);

        var meter = await redis.StartMeterAsync();
        var cpuBefore = group.CpuSeconds();
        var clock = Stopwatch.StartNew();
        group.Resume();
        var done = await Completion.WaitForAsync(system, group, warmedUp + jobs, TimeSpan.FromMinutes(5), Poll) - warmedUp;
        var elapsed = clock.Elapsed;
        var result = new DrainResult(system.Name, workers, settings.Concurrency, jobs, Math.Round(jobs / elapsed.TotalSeconds),
            Math.Round((group.CpuSeconds() - cpuBefore) * 1e6 / jobs, 1), await meter.StopAsync(jobs), shape.Name);
        if (done != jobs)
        {
            throw new InvalidOperationException($"{system.Name}: {done} jobs recorded done, {jobs} were enqueued");
        }

        Console.WriteLine($"  drain    {system.Name,-8} {workers} x {settings.Concurrency,-8} {result.PerSecond,9:N0} jobs/s  Redis {result.Redis.CpuMicroseconds} µs/job, workers {result.WorkerCpuMicrosecondsPerJob} µs/job ({shape.Name})");
        return result;
    }

    /// <summary>Fills the shape's queues with <paramref name="jobs"/> in all, split evenly.</summary>
    private static async Task FillAsync(IQueueSystem system, DrainShape shape, int jobs)
    {
        for (var i = 0; i < shape.Queues.Count; i++)
        {
            await system.FillAsync(jobs / shape.Queues.Count + (i < jobs % shape.Queues.Count ? 1 : 0), shape.Queues[i].Name);
        }
    }
}
