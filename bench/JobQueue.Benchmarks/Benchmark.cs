using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using JobQueue.Benchmarks.Reporting;
using JobQueue.Benchmarks.Scenarios;
using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks;

/// <summary>
/// Runs every measurement for JobQueue, BullMQ and Hangfire against one freshly started redis-server, then prints the
/// table and writes results.json and drain.svg to the output directory.
/// </summary>
public static class Benchmark
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        if (settings.ProfileRedis && !RedisProfiler.Installed())
        {
            Console.Error.WriteLine("--profile-redis runs Redis under Valgrind: install it (scripts/install-prerequisites.sh --profile).");
            return 2;
        }

        await BullMqSystem.InstallAsync();
        await using var redis = await BenchRedis.StartAsync(settings.ProfileRedis ? settings.OutputDirectory : null);
        await using var jobQueue = new JobQueueSystem(redis);
        await using var bullMq = new BullMqSystem(redis);
        await using var hangfire = new HangfireSystem(redis);
        // Hangfire on the rows it has (see HangfireSystem); the shaped drains, flows and schedules are the other two's.
        IQueueSystem[] systems = [.. new IQueueSystem[] { jobQueue, bullMq, hangfire }.Where(s => settings.Measures(s.Name))];
        IWorkflowSystem[] workflowSystems = [.. new IWorkflowSystem[] { jobQueue, bullMq }.Where(s => settings.Measures(s.Name))];
        var machine = await DescribeMachineAsync(redis);
        Console.WriteLine($"JobQueue vs BullMQ {machine.BullMq} and Hangfire {machine.Hangfire} on Redis {machine.Redis}, {machine.Cores} cores ({machine.Cpu}){(settings.Smoke ? ", smoke sizes" : "")}");

        var enqueue = settings.Runs("enqueue") ? await LibraryEnqueue.RunAsync(redis, systems, settings) : [];
        var http = settings.Runs("http") ? await HttpEnqueue.RunAsync(redis, settings) : [];
        var drain = settings.Runs("drain") ? await Drain.RunAsync(redis, systems, settings) : [];
        var shaped = await Drain.RunShapesAsync(redis, workflowSystems, settings);
        var latency = settings.Runs("latency") ? await Latency.RunAsync(redis, systems, settings) : [];
        var flows = settings.Runs("flow") ? await Workflows.RunFlowsAsync(redis, workflowSystems, settings) : [];
        var schedules = settings.Runs("schedule") ? await Workflows.RunSchedulesAsync(redis, workflowSystems, settings) : [];
        var results = new BenchResults(DateTimeOffset.UtcNow, machine, settings, enqueue, http, drain, shaped, latency, flows, schedules);

        Directory.CreateDirectory(settings.OutputDirectory);
        await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "results.json"), JsonSerializer.Serialize(results, Json));
        if (drain.Count > 0)
        {
            await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "drain.svg"), DrainChart.Render(drain));
        }

        Console.WriteLine();
        Console.WriteLine(ResultTable.Render(results));
        Console.WriteLine($"Wrote {Path.Combine(settings.OutputDirectory, "results.json")} and drain.svg");
        return 0;
    }

    private static async Task<MachineInfo> DescribeMachineAsync(BenchRedis redis)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        return new MachineInfo(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            await OutputOfAsync("node", "--version"), await redis.VersionAsync(), await BullMqSystem.VersionAsync(), HangfireSystem.Version);
    }

    private static async Task<string> OutputOfAsync(string command, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim();
    }
}
