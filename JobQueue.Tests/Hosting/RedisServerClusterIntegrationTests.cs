using JobQueue.Tests.Infrastructure;
using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;
// The test project also sees the imitation's JobQueue.Hosting types of the same names (global usings): these are Aspire's.
using AspireApp = Aspire.Hosting.DistributedApplication;
using AspireTestingBuilder = Aspire.Hosting.Testing.DistributedApplicationTestingBuilder;
using KnownResourceCommands = Aspire.Hosting.ApplicationModel.KnownResourceCommands;
using KnownResourceStates = Aspire.Hosting.ApplicationModel.KnownResourceStates;
using ResourceCommandService = Aspire.Hosting.ApplicationModel.ResourceCommandService;

namespace JobQueue.Tests.Hosting;

/// <summary>
/// JobQueue.Hosting.RedisServer's <c>AddRedisServerCluster</c> on real Aspire (Aspire.Hosting.Testing): a tiny AppHost
/// with one 3-master/1-replica cluster, six real <c>redis-server</c> processes run by DCP, formed by the integration.
/// </summary>
[TakesAbout(60)]
public sealed class RedisServerClusterIntegrationTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// Six nodes to start, a cluster to form and agree on its slots: about 10-25 s, up to 37 s seen on a two-core machine
    /// busy with other builds; the single server's tests allow 60 s too.
    /// </summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "hc-redis-cluster-" + Guid.NewGuid().ToString("N"));

    /// <summary>One app for both halves: a cluster's start (six nodes formed) is the costly part of each.</summary>
    [Fact]
    public async Task A_cluster_serves_every_slot_with_its_password_on_no_command_line_and_a_master_killed_is_replaced_by_its_replica_which_rejoins_when_started_again()
    {
        await using var app = await StartAsync();
        await ServesEverySlotWithItsPasswordOnNoCommandLineAsync(app);
        await AMasterKilledIsReplacedByItsReplicaAndRejoinsAsAReplicaWhenStartedAgainAsync(app);
    }

    [Fact]
    public async Task A_second_app_on_the_same_data_directory_finds_its_cluster_formed_on_the_same_ports_with_its_keys()
    {
        string connectionString;
        Dictionary<int, string> nodeIds;
        IReadOnlyCollection<RedisKey> keys;
        await using (var first = await StartAsync(password: "given-cluster-password-1", appendFsync: "always"))
        {
            connectionString = (await first.GetConnectionStringAsync("redis"))!;
            Assert.Contains("password=given-cluster-password-1", connectionString);
            await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
            keys = KeyOnEveryMaster(redis).Values;
            foreach (var key in keys)
            {
                await redis.GetDatabase().StringSetAsync(key, $"kept {key}");
            }

            nodeIds = await NodeIdsAsync(redis);
        }

        await using var second = await StartAsync(password: "given-cluster-password-1");
        Assert.Equal(connectionString, await second.GetConnectionStringAsync("redis"));
        await using var restarted = await ConnectionMultiplexer.ConnectAsync(connectionString);
        // The same nodes (a cluster formed anew would have new ids), and the keys they kept.
        Assert.Equal(nodeIds, await NodeIdsAsync(restarted));
        foreach (var key in keys)
        {
            Assert.Equal($"kept {key}", (string?)await restarted.GetDatabase().StringGetAsync(key));
        }
    }

    private async Task ServesEverySlotWithItsPasswordOnNoCommandLineAsync(AspireApp app)
    {
        var connectionString = (await app.GetConnectionStringAsync("redis"))!;
        var options = ConfigurationOptions.Parse(connectionString);
        Assert.Equal(6, options.EndPoints.Count);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
        var info = (string)(await redis.GetServer(options.EndPoints[0]).ExecuteAsync("CLUSTER", "INFO"))!;
        Assert.Contains("cluster_state:ok", info); // (after a "txt:" prefix over RESP3)
        Assert.Contains("cluster_slots_ok:16384", info);
        Assert.Contains("cluster_size:3", info);

        var keys = KeyOnEveryMaster(redis);
        Assert.Equal(3, keys.Count);
        foreach (var key in keys.Values)
        {
            await redis.GetDatabase().StringSetAsync(key, $"value of {key}");
        }

        foreach (var key in keys.Values)
        {
            Assert.Equal($"value of {key}", (string?)await redis.GetDatabase().StringGetAsync(key));
        }

        var password = options.Password;
        Assert.False(string.IsNullOrEmpty(password));
        var withoutPassword = ConfigurationOptions.Parse(connectionString);
        withoutPassword.Password = null;
        withoutPassword.AbortOnConnectFail = true;
        var refused = await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(withoutPassword));
        Assert.Contains("NOAUTH", refused.ToString());

        var commandLines = CommandLines();
        foreach (var port in options.EndPoints.Select(Port))
        {
            Assert.Contains(commandLines, line => line.StartsWith($"redis-server 127.0.0.1:{port}", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(commandLines, line => line.Contains(password!, StringComparison.Ordinal));
    }

    private async Task AMasterKilledIsReplacedByItsReplicaAndRejoinsAsAReplicaWhenStartedAgainAsync(AspireApp app)
    {
        var connectionString = (await app.GetConnectionStringAsync("redis"))!;
        var ports = ConfigurationOptions.Parse(connectionString).EndPoints.Select(Port).ToList();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var (masterEndPoint, key) = KeyOnEveryMaster(redis).First();
        await redis.GetDatabase().StringSetAsync(key, "before");

        // The node's resource: nodes are named {cluster}-{index}, listed in that order in the connection string.
        var victim = $"redis-{ports.IndexOf(Port(masterEndPoint))}";
        Assert.True(app.ResourceNotifications.TryGetCurrentState(victim, out var state));
        var pid = Convert.ToInt32(state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, System.Globalization.CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(); // SIGKILL: no goodbye to the other nodes.
        }

        var killed = Stopwatch.StartNew();
        await EventuallyAsync(async () =>
        {
            await redis.GetDatabase().StringSetAsync(key, "after");
            return (string?)await redis.GetDatabase().StringGetAsync(key) == "after";
        }, TimeSpan.FromSeconds(20));
        output.WriteLine($"Writes to the killed master's slots work again {killed.Elapsed.TotalSeconds:F1} s after the kill.");

        using var timeout = new CancellationTokenSource(StartTimeout);
        await app.ResourceNotifications.WaitForResourceAsync(victim, [KnownResourceStates.Exited, KnownResourceStates.Finished], timeout.Token);
        var started = await app.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync(victim, KnownResourceCommands.StartCommand, timeout.Token);
        Assert.True(started.Success, started.Message);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(victim, timeout.Token);

        var rejoined = ConfigurationOptions.Parse(connectionString);
        rejoined.EndPoints.Clear();
        rejoined.EndPoints.Add(IPAddress.Loopback, Port(masterEndPoint));
        rejoined.AllowAdmin = true;
        await using var node = await ConnectionMultiplexer.ConnectAsync(rejoined);
        await EventuallyAsync(async () =>
        {
            var role = (RedisResult[])(await node.GetServers()[0].ExecuteAsync("ROLE"))!;
            return (string?)role[0] == "slave";
        }, TimeSpan.FromSeconds(20));
        await app.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
        Assert.Equal("after", (string?)await redis.GetDatabase().StringGetAsync(key));
    }

    /// <summary>Starts an app of one cluster on free ports in this test's data directory and waits until its health check passes (what WaitFor waits for).</summary>
    private async Task<AspireApp> StartAsync(string? password = null, string? appendFsync = null)
    {
        var builder = AspireTestingBuilder.Create();
        var passwordParameter = password is null ? null : builder.AddParameter("redis-password", password, secret: true);
        var cluster = builder.AddRedisServerCluster("redis", masters: 3, replicasPerMaster: 1, password: passwordParameter)
            .WithDataDirectory(_dataDirectory);
        if (appendFsync is not null)
        {
            cluster.WithAppendFsync(appendFsync);
        }

        var app = builder.Build();
        var started = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
        output.WriteLine($"Cluster healthy {started.Elapsed.TotalSeconds:F1} s after the start.");
        return app;
    }

    /// <summary>A key (with a hash tag) for every master, by the master's endpoint.</summary>
    private static Dictionary<EndPoint, RedisKey> KeyOnEveryMaster(ConnectionMultiplexer redis)
    {
        var configuration = redis.GetServers().First(server => server.IsConnected).ClusterConfiguration!;
        // The masters that serve slots: right after the formation a node may still be listed as a master without any.
        var masters = configuration.Nodes.Where(node => !node.IsReplica && node.Slots.Count > 0).Select(node => node.EndPoint!).ToList();
        Assert.Equal(3, masters.Count);
        var keys = new Dictionary<EndPoint, RedisKey>();
        for (var tag = 0; keys.Count < masters.Count; tag++)
        {
            Assert.True(tag < 100_000, $"No hash tag found for every master: {string.Join(", ", masters)}");
            RedisKey key = $"{{tag-{tag}}}:value";
            keys.TryAdd(configuration.GetBySlot(redis.HashSlot(key))!.EndPoint!, key);
        }

        return keys;
    }

    /// <summary>Each node's id (CLUSTER MYID) by its port.</summary>
    private static async Task<Dictionary<int, string>> NodeIdsAsync(ConnectionMultiplexer redis)
    {
        var configuration = redis.GetServers().First(server => server.IsConnected).ClusterConfiguration!;
        return configuration.Nodes.ToDictionary(node => Port(node.EndPoint!), node => node.NodeId);
    }

    private static int Port(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => dns.Port,
        IPEndPoint ip => ip.Port,
        _ => throw new ArgumentException($"Not a host and port: {endPoint}", nameof(endPoint)),
    };

    private static List<string> CommandLines() => [.. Directory.EnumerateDirectories("/proc")
        .Select(directory => Path.Combine(directory, "cmdline"))
        .Select(path => { try { return File.ReadAllText(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; } })];

    /// <summary>Retries <paramref name="condition"/> (a Redis error counting as not yet) until it holds or <paramref name="within"/> has passed.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < within)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                last = e;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Not within {within.TotalSeconds} s.", last);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
