using System.Diagnostics;
using System.Globalization;
using JobQueue.Benchmarks.Modes;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// Drain throughput and Redis CPU per master on one redis-server and on a 3-master Redis Cluster
/// (<c>./bench.sh cluster [jobs]</c>, default 60,000), drained by 2 worker processes x 16: three queues whose hash tags
/// live on the three masters (a, b and c: slots 15495, 3300 and 7365), a third of the jobs each; then one queue, as it
/// is (on one master) and spread over 3 partitions that land on the three masters. Prints jobs/s, Redis CPU per job
/// over all nodes, each node's share, and what the busiest node's CPU per job allows: the ceiling once every master
/// has a core of its own.
/// </summary>
public static class ClusterDrain
{
    private const int Workers = 2;
    private const int Concurrency = 16;

    /// <summary>What is drained: on one server or a cluster, these queues (each over <paramref name="Partitions"/>).</summary>
    private sealed record Shape(string Label, bool Cluster, string[] Queues, int Partitions = 1);

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60_000;
        Console.WriteLine($"Drain of {jobs:N0} no-op jobs, {Workers} workers x {Concurrency}, {Environment.ProcessorCount} cores:");
        Console.WriteLine();
        Console.WriteLine("| Redis | queues | jobs/s | Redis CPU µs/job (all nodes) | CPU per node (share of Redis CPU) | busiest node µs/job | ceiling with a core per master |");
        Console.WriteLine("|---|---|---:|---:|---|---:|---:|");
        Shape[] shapes =
        [
            new("1 server", false, ["a", "b", "c"]), new("3-master cluster", true, ["a", "b", "c"]),
            new("3-master cluster", true, ["hot"]), new("3-master cluster", true, ["hot"], Partitions: 3),
        ];
        foreach (var shape in shapes)
        {
            await RunAsync(shape, jobs);
        }

        return 0;
    }

    private static async Task RunAsync(Shape shape, int jobs)
    {
        var cluster = shape.Cluster;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-bench-cluster-" + Guid.NewGuid().ToString("N"));
        await using (var redis = cluster
            ? await LocalRedis.StartClusterAsync(dataDirectory, masters: 3, replicasPerMaster: 0)
            : await LocalRedis.StartServerAsync(dataDirectory))
        {
            var connectionString = redis.ConnectionString;
            await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
            var options = Options.Create(new QueueOptions { Name = "jobs" });
            var directory = new QueueDirectory(connection, options);
            var store = new JobStore(connection, directory, options);
            string[] queues = shape.Partitions > 1 ? [SpreadName(connection, shape.Partitions)] : shape.Queues;
            foreach (var queue in queues)
            {
                await directory.RegisterAsync(queue, shape.Partitions);
            }

            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = connectionString,
                ["Worker__Concurrency"] = Concurrency.ToString(CultureInfo.InvariantCulture),
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["DOTNET_TieredPGO"] = "0",
            };
            foreach (var queue in queues)
            {
                environment[$"Worker__Queues__{queue}"] = "1";
                environment[$"Worker__Partitions__{queue}"] = shape.Partitions.ToString(CultureInfo.InvariantCulture);
            }

            // Ready once every worker said it reads the queues (on a cluster an idle worker polls them: no blocked client to count).
            await using var workers = await WorkerGroup.StartAsync(
                group => Task.FromResult(group.Console().Split('\n').Count(line => line.Contains($" reading {queues[0]}", StringComparison.Ordinal)) >= Workers),
                "dotnet", AppContext.BaseDirectory, [typeof(BenchWorker).Assembly.Location, "worker"], Workers, environment);
            workers.Pause();
            // Batches of 200: a batch goes whole to one partition (at random), so small ones share a partitioned queue out evenly.
            foreach (var queue in queues)
            {
                for (var filled = 0; filled < jobs / queues.Length; filled += 200)
                {
                    await store.EnqueueManyAsync([.. Enumerable.Range(0, Math.Min(200, jobs / queues.Length - filled))
                        .Select(_ => new NewJob(NoopHandler.Type, UnixMicroseconds.Payload(), Queue: queue))]);
                }
            }

            var masters = connection.GetServers().Where(s => !s.IsReplica).OrderBy(s => s.EndPoint.ToString(), StringComparer.Ordinal).ToList();
            var before = await Task.WhenAll(masters.Select(CpuSecondsAsync));
            var clock = Stopwatch.StartNew();
            workers.Resume();
            var total = jobs / queues.Length * queues.Length;
            while (await DoneAsync(connection, directory, queues) < total)
            {
                await Task.Delay(20);
            }

            var elapsed = clock.Elapsed;
            var after = await Task.WhenAll(masters.Select(CpuSecondsAsync));
            var used = after.Zip(before, (a, b) => a - b).ToList();
            var perJob = used.Sum() * 1e6 / total;
            var busiest = used.Max() * 1e6 / total;
            var shares = string.Join(", ", used.Select(u => (u / used.Sum()).ToString("P0", CultureInfo.InvariantCulture)));
            var label = queues.Length > 1 ? $"{queues.Length} ({string.Join(", ", queues)})" : shape.Partitions > 1 ? $"1 of {shape.Partitions} partitions" : "1";
            Console.WriteLine($"| {shape.Label} | {label} | {total / elapsed.TotalSeconds:N0} | {perJob:F1} | {shares} | {busiest:F1} | {1e6 / busiest:N0} jobs/s |");
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    private static async Task<long> DoneAsync(IConnectionMultiplexer connection, QueueDirectory directory, string[] queues) =>
        (await Task.WhenAll((await Task.WhenAll(queues.Select(directory.PartitionsAsync))).SelectMany(p => p)
            .Select(keys => connection.GetDatabase().HashGetAsync(keys.Stats, "done")))).Sum(v => (long?)v ?? 0);

    /// <summary>A queue name whose partitions' slots are served by different masters (where each lands is its slot's).</summary>
    private static string SpreadName(IConnectionMultiplexer connection, int partitions) =>
        Enumerable.Range(0, 1000).Select(i => $"hot{i}").First(name => Enumerable.Range(0, partitions)
            .Select(p => connection.GetServer(new QueueKeys(QueuePartitions.NameOf(name, p)).Stream).EndPoint.ToString())
            .Distinct().Count() == partitions);

    /// <summary>The node's CPU time so far (user + system), from INFO cpu.</summary>
    private static async Task<double> CpuSecondsAsync(IServer server)
    {
        var cpu = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture);
    }
}
