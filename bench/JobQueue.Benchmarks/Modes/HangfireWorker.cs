using Hangfire;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// A Hangfire server as its documentation sets one up for throughput on Redis: Hangfire.Redis.StackExchange storage on
/// one multiplexer, the serializer settings Hangfire recommends for new applications, and as many workers as the
/// benchmark gives JobQueue's and BullMQ's processes (<c>WorkerCount</c>, the concurrency). It runs
/// <see cref="HangfireJobs.Noop"/> until killed.
/// </summary>
public static class HangfireWorker
{
    public static async Task<int> RunAsync(string[] args)
    {
        var concurrency = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
        using var connection = await ConnectionMultiplexer.ConnectAsync(Environment.GetEnvironmentVariable("ConnectionStrings__redis")!);
        HangfireJobs.Configure(connection);
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            WorkerCount = concurrency,
            ServerName = $"bench-{Environment.ProcessId}",
        });
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}

/// <summary>The benchmark's Hangfire job and the storage configuration its client and servers share.</summary>
public static class HangfireJobs
{
    /// <summary>Hangfire.Redis.StackExchange's default prefix, a hash tag (its keys stay on one Cluster slot).</summary>
    public const string Prefix = RedisStorageOptions.DefaultPrefix;

    public static JobStorage Configure(IConnectionMultiplexer connection)
    {
        var storage = new RedisStorage(connection, new RedisStorageOptions { Prefix = Prefix });
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(storage);
        return storage;
    }

    /// <summary>
    /// The no-op job: <c>{"t": t, "wait_us": now - t}</c> for <paramref name="t"/>, when it was submitted (µs since the
    /// epoch). Hangfire keeps the return value in the job's succeeded state (its <c>Result</c>).
    /// </summary>
    public static Dictionary<string, double> Noop(double t) =>
        new() { ["t"] = t, ["wait_us"] = Math.Round(UnixMicroseconds.Now() - t) };
}
