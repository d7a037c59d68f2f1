using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks.Scenarios;

/// <summary>
/// Schedules and workflows: how late an every-second schedule's jobs start after their due time (fire time to
/// start), and how long a flow of one parent and many no-op children takes from submission to the parent done.
/// Workers are started first and warmed with a short flow, so neither figure counts a process's start.
/// </summary>
public static class Workflows
{
    public static async Task<IReadOnlyList<FlowResult>> RunFlowsAsync(BenchRedis redis, IReadOnlyList<IWorkflowSystem> systems, BenchSettings settings)
    {
        var results = new List<FlowResult>();
        foreach (var system in systems)
        {
            await redis.FlushAsync();
            await using var group = await system.StartWorkersAsync(settings.FlowWorkers, settings.Concurrency);
            await system.RunFlowAsync(Math.Max(1, settings.FlowChildren / 10)); // warm-up
            var meter = await redis.StartMeterAsync();
            var run = await system.RunFlowAsync(settings.FlowChildren);
            var cost = await meter.StopAsync(settings.FlowChildren + 1);
            var result = new FlowResult(system.Name, run.Children, settings.FlowWorkers, settings.Concurrency,
                Math.Round(run.Submitted.TotalMilliseconds, 1), Math.Round(run.Completed.TotalMilliseconds, 1), cost);
            Console.WriteLine($"  flow     {system.Name,-8} 1 parent + {run.Children:N0} children, {settings.FlowWorkers} workers: submitted in {result.SubmitMs} ms, parent done after {result.CompletionMs} ms");
            results.Add(result);
        }

        return results;
    }

    public static async Task<IReadOnlyList<ScheduleResult>> RunSchedulesAsync(BenchRedis redis, IReadOnlyList<IWorkflowSystem> systems, BenchSettings settings)
    {
        var results = new List<ScheduleResult>();
        foreach (var system in systems)
        {
            await redis.FlushAsync();
            await using var group = await system.StartWorkersAsync(settings.FlowWorkers, settings.Concurrency);
            var delays = (await system.ScheduleDelaysAsync(settings.ScheduleSeconds)).Order().ToArray();
            if (delays.Length < settings.ScheduleSeconds - 1)
            {
                throw new InvalidOperationException($"{system.Name}: {delays.Length} scheduled jobs ran in {settings.ScheduleSeconds} s of an every-second schedule");
            }

            var result = new ScheduleResult(system.Name, delays.Length, delays[delays.Length / 2], delays[^1]);
            Console.WriteLine($"  schedule {system.Name,-8} every second for {settings.ScheduleSeconds} s: {delays.Length} jobs, start after due p50 {result.P50Ms} ms, max {result.MaxMs} ms");
            results.Add(result);
        }

        return results;
    }
}
