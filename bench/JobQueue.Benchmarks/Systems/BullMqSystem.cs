using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Systems;

/// <summary>BullMQ (the npm package) through <c>bench/bullmq/bullmq-bench.mjs</c>, run by Node.</summary>
public sealed class BullMqSystem(BenchRedis redis) : IWorkflowSystem
{
    private const string Queue = "bench";
    private const string Prefix = "bull:" + Queue + ":";
    private IReadOnlyList<string> _queues = [Queue];

    /// <summary>bench/bullmq, found through the benchmark project's directory recorded at build time.</summary>
    public static readonly string ScriptDirectory = Path.Combine(
        typeof(BullMqSystem).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BenchDirectory").Value!,
        "bullmq");

    private IDatabase Db => redis.Admin.GetDatabase();

    public string Name => "BullMQ";

    public IReadOnlyList<string> EnqueueVariants => ["add", "addBulk"];

    /// <summary>Installs the pinned bullmq and ioredis (exact versions; package-lock.json for the rest) unless they are there. Not `npm ci`: the lock lacks optional packages of other platforms, which npm ci refuses.</summary>
    public static async Task InstallAsync()
    {
        if (!Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "bullmq")))
        {
            await RunAsync("npm", ["install", "--no-audit", "--no-fund"], new Dictionary<string, string>());
        }
    }

    public static async Task<string> VersionAsync()
    {
        using var package = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ScriptDirectory, "node_modules", "bullmq", "package.json")));
        return package.RootElement.GetProperty("version").GetString()!;
    }

    public async Task<EnqueueRun> EnqueueAsync(string variant, int jobs, int window, int batch)
    {
        var reply = await NodeAsync("enqueue", variant, jobs.ToString(), window.ToString(), batch.ToString());
        return new EnqueueRun(variant, jobs, TimeSpan.FromMilliseconds(reply.GetProperty("elapsed_ms").GetDouble()), jobs + Math.Max(1, jobs / 10));
    }

    public Task FillAsync(int jobs, string? queue = null) => NodeAsync("fill", jobs.ToString(), queue ?? Queue);

    public Task<WorkerGroup> StartWorkersAsync(int workers, int concurrency, DrainShape? shape = null)
    {
        shape ??= DrainShape.Plain;
        _queues = [.. shape.Queues.Select(q => q.Name ?? Queue)];
        string[] limiter = shape.RateMax is { } max ? [max.ToString(), ((long)shape.RatePeriod!.Value.TotalMilliseconds).ToString()] : [];
        return WorkerGroup.StartAsync(redis, "node", ScriptDirectory,
            ["bullmq-bench.mjs", "worker", concurrency.ToString(), string.Join(',', shape.Queues.Select(q => $"{q.Name ?? Queue}:{q.Weight}")), .. limiter],
            workers, new Dictionary<string, string> { ["REDIS_URL"] = redis.Url });
    }

    public async Task<long> CompletedAsync() =>
        (await Task.WhenAll(_queues.Select(q => Db.SortedSetLengthAsync($"bull:{q}:completed")))).Sum();

    public async Task<int> ProduceAsync(int perSecond, TimeSpan duration) =>
        (await NodeAsync("produce", perSecond.ToString(), duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .GetProperty("jobs").GetInt32();

    public async Task<IReadOnlyList<JobWait>> WaitTimesAsync()
    {
        var ids = await Db.SortedSetRangeByRankAsync(Prefix + "completed");
        var results = await Task.WhenAll(ids.Select(id => Db.HashGetAsync(Prefix + id, "returnvalue")));
        return [.. results.Where(r => r.HasValue).Select(r => JobWait.Parse(r.ToString()))];
    }

    public async Task<FlowRun> RunFlowAsync(int children)
    {
        var reply = await NodeAsync("flow", children.ToString());
        return new FlowRun(children, TimeSpan.FromMilliseconds(reply.GetProperty("submitted_ms").GetDouble()),
            TimeSpan.FromMilliseconds(reply.GetProperty("completed_ms").GetDouble()));
    }

    public async Task<IReadOnlyList<double>> ScheduleDelaysAsync(int seconds) =>
        [.. (await NodeAsync("schedule", seconds.ToString())).GetProperty("delays_ms").EnumerateArray().Select(d => d.GetDouble())];

    private async Task<JsonElement> NodeAsync(params string[] args)
    {
        var output = await RunAsync("node", ["bullmq-bench.mjs", .. args], new Dictionary<string, string> { ["REDIS_URL"] = redis.Url });
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
    }

    /// <summary>Runs a short command in bench/bullmq and returns its output; fails with its error output if it fails.</summary>
    private static async Task<string> RunAsync(string command, string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(command) { WorkingDirectory = ScriptDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} ran past 5 minutes");
        }

        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{command} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await error}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
