using System.Diagnostics;
using JobQueue.Hosting.Orchestration;

namespace JobQueue.Hosting.ApplicationModel;

/// <summary>
/// A local Redis Cluster: <see cref="Masters"/> masters with <see cref="ReplicasPerMaster"/> replicas each, every node a
/// <c>redis-server</c> in cluster mode on loopback (replica <c>i</c> of the resource is node <c>i</c>), with one password
/// (<c>requirepass</c> and <c>masterauth</c>), AOF on, and a data directory per node. Once the nodes run, the cluster is
/// formed with <c>redis-cli --cluster create</c> (once: later runs on the same data find it formed in their
/// <c>nodes.conf</c>); a node is healthy when it answers and the cluster's state is <c>ok</c>. Services get every node
/// in their connection string (StackExchange.Redis finds the slots) and run unchanged.
/// </summary>
public sealed class RedisClusterResource : ExecutableResource, IResourceWithConnectionString, IRedisServerSettings
{
    private string? _password;
    private int[]? _ports;

    public RedisClusterResource(string name, string dataDirectory, int masters, int replicasPerMaster)
        : base(name, "redis-server", dataDirectory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(masters, 3); // what redis-cli --cluster create asks for
        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerMaster);
        (Masters, ReplicasPerMaster, DataDirectory) = (masters, replicasPerMaster, dataDirectory);
        Replicas = masters * (1 + replicasPerMaster);
    }

    public int Masters { get; }

    public int ReplicasPerMaster { get; }

    public string DataDirectory { get; set; }

    public override string WorkingDirectory => DataDirectory;

    /// <summary>How long a master may be unreachable before its replica is promoted (<c>cluster-node-timeout</c>).</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public string AppendFsync { get; set; } = "everysec";

    /// <summary>The first node's port; the others follow it. Null: free ports, kept in the data directory for the next run.</summary>
    public int? BasePort { get; set; }

    public string Password
    {
        get => _password ??= PrivateFiles.LoadOrCreatePassword(DataDirectory);
        set => _password = value;
    }

    /// <summary>Every node's port, node 0 first.</summary>
    public IReadOnlyList<int> Ports => _ports ??= LoadOrChoosePorts();

    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + $",password={Password}";

    private string NodeDirectory(int node) => Path.Combine(DataDirectory, $"node-{node}");

    public override IReadOnlyList<string> ArgsOf(ReplicaInfo replica) => [Path.Combine(NodeDirectory(replica.Index), "redis.conf")];

    public override Task PrepareAsync(CancellationToken cancellationToken)
    {
        foreach (var command in new[] { "redis-server", "redis-cli" })
        {
            if (!ExecutableFinder.Exists(command))
            {
                throw new DistributedApplicationException($"{command} was not found on PATH. Install it first: sudo apt-get install -y redis-server");
            }
        }

        PrivateFiles.CreateDirectory(DataDirectory);
        for (var node = 0; node < Replicas; node++)
        {
            var directory = NodeDirectory(node);
            PrivateFiles.CreateDirectory(directory);
            PrivateFiles.Write(Path.Combine(directory, "redis.conf"),
            [
                $"port {Ports[node]}",
                "bind 127.0.0.1",
                "protected-mode yes",
                $"requirepass \"{Password}\"",
                $"masterauth \"{Password}\"",
                $"dir \"{directory}\"",
                "appendonly yes",
                $"appendfsync {AppendFsync}",
                "cluster-enabled yes",
                "cluster-config-file nodes.conf",
                $"cluster-node-timeout {(long)NodeTimeout.TotalMilliseconds}",
                "daemonize no",
            ]);
        }

        return Task.CompletedTask;
    }

    /// <summary>Forms the cluster the first time its nodes run; afterwards they find each other in nodes.conf.</summary>
    public override async Task AfterStartAsync(CancellationToken cancellationToken)
    {
        foreach (var port in Ports)
        {
            while (await RedisProbe.AskAsync(port, Password, cancellationToken, "PING") != "PONG")
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        if (Field(await RedisProbe.AskAsync(Ports[0], Password, cancellationToken, "CLUSTER", "INFO"), "cluster_known_nodes") == "1")
        {
            await CreateAsync(cancellationToken);
        }
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"),
                     "--cluster-replicas", ReplicasPerMaster.ToString(), "--cluster-yes"])
        {
            create.ArgumentList.Add(arg);
        }

        // Through the environment, not -a: a command line is visible to every user of the machine.
        create.Environment["REDISCLI_AUTH"] = Password;
        using var process = Process.Start(create)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"redis-cli --cluster create failed ({process.ExitCode}): {await errors}{await output}");
        }
    }

    /// <summary>Healthy when the node answers and sees the cluster's every slot served (<c>cluster_state:ok</c>).</summary>
    public override async Task<bool> IsHealthyAsync(ReplicaInfo replica, HttpClient http, CancellationToken cancellationToken) =>
        Field(await RedisProbe.AskAsync(Ports[replica.Index], Password, cancellationToken, "CLUSTER", "INFO"), "cluster_state") == "ok";

    private static string? Field(string? info, string name) =>
        info?.Split("\r\n").FirstOrDefault(line => line.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..];

    private int[] LoadOrChoosePorts()
    {
        if (BasePort is { } first)
        {
            return [.. Enumerable.Range(first, Replicas)];
        }

        var path = Path.Combine(DataDirectory, "ports");
        if (File.Exists(path))
        {
            return [.. File.ReadAllText(path).Split(',').Select(int.Parse)];
        }

        // A cluster's nodes know each other by port (nodes.conf): the ports chosen now are kept for the next run.
        int[] ports = [.. Enumerable.Range(0, Replicas).Select(_ => PortAllocator.FreeClusterNodePort())];
        PrivateFiles.CreateDirectory(DataDirectory);
        PrivateFiles.Write(path, [string.Join(',', ports)]);
        return ports;
    }
}
