using System.Diagnostics;
using System.Globalization;
using JobQueue.Benchmarks.Modes;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// Drain throughput and Redis CPU per master on one redis-server and on a 3-master Redis Cluster
/// (<c>./bench.sh cluster [jobs]</c>, default 60,000): three queues whose hash tags live on the three masters (a, b and
/// c: slots 15495, 3300 and 7365), a third of the jobs each, drained by 2 worker processes x 16 reading all three.
/// Prints jobs/s, Redis CPU per job over all nodes, each node's share, and what the busiest node's CPU per job
/// allows: the ceiling once every master has a core of its own.
/// </summary>
public static class ClusterDrain
{
    private static readonly string[] Queues = ["a", "b", "c"];
    private const int Workers = 2;
    private const int Concurrency = 16;

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60_000;
        Console.WriteLine($"Drain of {jobs:N0} no-op jobs over 3 queues (a third each), {Workers} workers x {Concurrency}, {Environment.ProcessorCount} cores:");
        Console.WriteLine();
        Console.WriteLine("| Redis | jobs/s | Redis CPU µs/job (all nodes) | CPU per node (share of Redis CPU) | busiest node µs/job | ceiling with a core per master |");
        Console.WriteLine("|---|---:|---:|---|---:|---:|");
        foreach (var cluster in new[] { false, true })
        {
            await RunAsync(cluster, jobs);
        }

        return 0;
    }

    private static async Task RunAsync(bool cluster, int jobs)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-bench-cluster-" + Guid.NewGuid().ToString("N"));
        var builder = BenchApps.CreateBuilder();
        IResourceBuilder<IResourceWithConnectionString> redis = cluster
            ? builder.AddRedisCluster("redis", masters: 3, replicasPerMaster: 0).WithDataDirectory(dataDirectory)
            : builder.AddRedis("redis").WithDataDirectory(dataDirectory);
        await using (var app = builder.Build())
        {
            await app.StartAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
            }

            var connectionString = redis.Resource.ConnectionString;
            await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
            var options = Options.Create(new QueueOptions { Name = Queues[0] });
            var directory = new QueueDirectory(connection, options);
            var store = new JobStore(connection, directory, options);
            foreach (var queue in Queues)
            {
                await directory.RegisterAsync(queue);
            }

            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = connectionString,
                ["Queue__Name"] = Queues[0],
                ["Worker__Concurrency"] = Concurrency.ToString(CultureInfo.InvariantCulture),
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["DOTNET_TieredPGO"] = "0",
            };
            foreach (var queue in Queues)
            {
                environment[$"Worker__Queues__{queue}"] = "1";
            }

            // Ready once every worker said it reads the queues (on a cluster an idle worker polls them: no blocked client to count).
            await using var workers = await WorkerGroup.StartAsync(
                group => Task.FromResult(group.Console().Split('\n').Count(line => line.Contains(" reading a (weight 1)", StringComparison.Ordinal)) >= Workers),
                "dotnet", AppContext.BaseDirectory, [typeof(BenchWorker).Assembly.Location, "worker"], Workers, environment);
            workers.Pause();
            foreach (var queue in Queues)
            {
                for (var filled = 0; filled < jobs / Queues.Length; filled += 1000)
                {
                    await store.EnqueueManyAsync([.. Enumerable.Range(0, Math.Min(1000, jobs / Queues.Length - filled))
                        .Select(_ => new NewJob(NoopHandler.Type, UnixMicroseconds.Payload(), Queue: queue))]);
                }
            }

            var masters = connection.GetServers().Where(s => !s.IsReplica).OrderBy(s => s.EndPoint.ToString(), StringComparer.Ordinal).ToList();
            var before = await Task.WhenAll(masters.Select(CpuSecondsAsync));
            var clock = Stopwatch.StartNew();
            workers.Resume();
            var total = jobs / Queues.Length * Queues.Length;
            while (await DoneAsync(connection, directory) < total)
            {
                await Task.Delay(20);
            }

            var elapsed = clock.Elapsed;
            var after = await Task.WhenAll(masters.Select(CpuSecondsAsync));
            var used = after.Zip(before, (a, b) => a - b).ToList();
            var perJob = used.Sum() * 1e6 / total;
            var busiest = used.Max() * 1e6 / total;
            var shares = string.Join(", ", used.Select(u => (u / used.Sum()).ToString("P0", CultureInfo.InvariantCulture)));
            Console.WriteLine($"| {(cluster ? "3-master cluster" : "1 server")} | {total / elapsed.TotalSeconds:N0} | {perJob:F1} | {shares} | {busiest:F1} | {1e6 / busiest:N0} jobs/s |");
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    private static async Task<long> DoneAsync(IConnectionMultiplexer connection, QueueDirectory directory) =>
        (await Task.WhenAll(Queues.Select(q => connection.GetDatabase().HashGetAsync(directory.Keys(q).Stats, "done")))).Sum(v => (long?)v ?? 0);

    /// <summary>The node's CPU time so far (user + system), from INFO cpu.</summary>
    private static async Task<double> CpuSecondsAsync(IServer server)
    {
        var cpu = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture);
    }
}
