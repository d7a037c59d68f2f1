using System.Diagnostics;
using System.Globalization;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// A fresh worker replica started against a backlog, as an autoscaled pool starts one (<c>./bench.sh startup [jobs]</c>,
/// default 20,000): the JobQueue.Worker project published as its container image would be, once with ReadyToRun (the
/// project's setting) and once without (-p:PublishReadyToRun=false), each started as one process (concurrency 16) on a
/// fresh redis-server already holding the jobs (<c>echo</c>). Prints, from the process's start: when the first job was
/// done, how many were done after 1 and 2 s, when all were, and the worker's CPU seconds until then.
/// </summary>
public static class StartupDrain
{
    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var root = RepositoryRoot();
        var published = Path.Combine(Path.GetTempPath(), "jobqueue-bench-startup-" + Guid.NewGuid().ToString("N"));
        try
        {
            var variants = new[] { ("ReadyToRun", true), ("JIT only", false) };
            foreach (var (name, readyToRun) in variants)
            {
                await PublishAsync(root, Path.Combine(published, name), readyToRun);
            }

            Console.WriteLine($"A fresh JobQueue.Worker (published, concurrency 16) against {jobs:N0} waiting echo jobs, {Environment.ProcessorCount} cores; times from the process's start:");
            Console.WriteLine();
            Console.WriteLine("| worker | first job done, ms | done after 1 s | done after 2 s | all done, ms | worker CPU until then, s |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var (name, _) in variants)
            {
                await RunAsync(name, Path.Combine(published, name), jobs);
            }
        }
        finally
        {
            Directory.Delete(published, recursive: true);
        }

        return 0;
    }

    private static async Task RunAsync(string name, string directory, int jobs)
    {
        await using var redis = await BenchRedis.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var options = Options.Create(new QueueOptions());
        var store = new JobStore(connection, new QueueDirectory(connection, options), options);
        for (var filled = 0; filled < jobs; filled += 1000)
        {
            await store.EnqueueManyAsync([.. Enumerable.Range(0, Math.Min(1000, jobs - filled)).Select(i => new NewJob("echo", $$"""{"i": {{i}}}"""))]);
        }

        var stats = new QueueKeys(options.Value.Name).Stats;
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["Worker__Concurrency"] = "16",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        var clock = Stopwatch.StartNew();
        await using var worker = await WorkerGroup.StartAsync(_ => Task.FromResult(true),
            "dotnet", directory, [Path.Combine(directory, "JobQueue.Worker.dll")], 1, environment);
        var (first, after1, after2) = (TimeSpan.Zero, 0L, 0L);
        long done;
        while ((done = (long?)await connection.GetDatabase().HashGetAsync(stats, "done") ?? 0) < jobs)
        {
            var now = clock.Elapsed;
            first = first == TimeSpan.Zero && done > 0 ? now : first;
            after1 = now < TimeSpan.FromSeconds(1) ? done : after1;
            after2 = now < TimeSpan.FromSeconds(2) ? done : after2;
            if (now > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{name}: {done} of {jobs} jobs done after 2 minutes. The worker's console:\n{worker.Console()}");
            }

            await Task.Delay(5);
        }

        var all = clock.Elapsed;
        Console.WriteLine($"| {name} | {first.TotalMilliseconds:F0} | {after1:N0} | {after2:N0} | {all.TotalMilliseconds:F0} | {worker.CpuSeconds():F2} |");
    }

    private static async Task PublishAsync(string root, string output, bool readyToRun)
    {
        using var publish = Process.Start(new ProcessStartInfo("dotnet",
            ["publish", Path.Combine(root, "JobQueue.Worker"), "-c", "Release", "-o", output, "-v", "quiet", "-nologo",
                $"-p:PublishReadyToRun={readyToRun.ToString().ToLowerInvariant()}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var (said, errors) = (publish.StandardOutput.ReadToEndAsync(), publish.StandardError.ReadToEndAsync());
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed:\n{await said}\n{await errors}");
        }
    }

    /// <summary>The repository this benchmark was built from (where JobQueue.sln is).</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "JobQueue.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("JobQueue.sln not found above " + AppContext.BaseDirectory);
    }
}
