using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c>, or a real local Redis Cluster of them, that a script or engine test starts as child
/// processes on free loopback ports: no orchestrator, only what the test needs. Each node has a password, AOF on and its
/// own directory under the given one (its log is <c>redis.log</c> there). The processes die with the test host even when
/// it is killed (<c>setpriv --pdeathsig KILL</c>), so a cancelled run leaves none behind.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly List<Process> _processes;

    private LocalRedis(IReadOnlyList<int> ports, string password, List<Process> processes) =>
        (Ports, Password, _processes) = (ports, password, processes);

    /// <summary>Every node's port, node 0 first (one for a single server).</summary>
    public IReadOnlyList<int> Ports { get; }

    public string Password { get; }

    /// <summary>What an app puts in <c>ConnectionStrings:redis</c>: every node, then the password.</summary>
    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + $",password={Password}";

    /// <summary>
    /// Starts one redis-server and waits until it answers PING. <paramref name="runUnder"/> is a command the server
    /// runs under (the benchmark's profile runs it under Valgrind).
    /// </summary>
    public static Task<LocalRedis> StartServerAsync(string directory, IReadOnlyList<string>? runUnder = null) =>
        StartAsync(directory, nodes: 1, clusterReplicasPerMaster: null, runUnder ?? []);

    /// <summary>
    /// Starts <paramref name="masters"/> × (1 + <paramref name="replicasPerMaster"/>) nodes in cluster mode, forms the
    /// cluster with <c>redis-cli --cluster create</c>, and waits until every node sees every slot served.
    /// </summary>
    public static Task<LocalRedis> StartClusterAsync(string directory, int masters, int replicasPerMaster) =>
        StartAsync(directory, masters * (1 + replicasPerMaster), replicasPerMaster, runUnder: []);

    private static async Task<LocalRedis> StartAsync(string directory, int nodes, int? clusterReplicasPerMaster, IReadOnlyList<string> runUnder)
    {
        // A port free when chosen can be taken before redis-server binds it (a client's ephemeral port lands on a node's
        // port or its cluster bus port): the node exits at once, and the servers start again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortsAsync(directory, nodes, clusterReplicasPerMaster, runUnder);
            }
            catch (NodeExitedException) when (attempt < 3)
            {
            }
        }
    }

    private static async Task<LocalRedis> StartOnFreePortsAsync(string directory, int nodes, int? clusterReplicasPerMaster, IReadOnlyList<string> runUnder)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var ports = FreePorts(nodes, withClusterBus: clusterReplicasPerMaster is not null);
        var processes = new List<Process>();
        var redis = new LocalRedis(ports, password, processes);
        try
        {
            foreach (var port in ports)
            {
                processes.Add(await StartNodeAsync(NodeDirectory(directory, port), port, password, cluster: clusterReplicasPerMaster is not null, runUnder));
            }

            for (var node = 0; node < ports.Length; node++)
            {
                var (port, process) = (ports[node], processes[node]);
                await redis.WaitForAsync(port, ["PING"], reply => reply == "PONG", exited: () => process.HasExited
                    ? new NodeExitedException(port, NodeDirectory(directory, port))
                    : null);
            }

            if (clusterReplicasPerMaster is { } replicasPerMaster)
            {
                await redis.CliAsync(["--cluster", "create", .. ports.Select(p => $"127.0.0.1:{p}"),
                    "--cluster-replicas", replicasPerMaster.ToString(), "--cluster-yes"]);
                foreach (var port in ports)
                {
                    await redis.WaitForAsync(port, ["CLUSTER", "INFO"], reply => reply.Contains("cluster_state:ok", StringComparison.Ordinal));
                }
            }

            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    private static string NodeDirectory(string directory, int port) => Path.Combine(directory, $"node-{port}");

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }
    }

    private static async Task<Process> StartNodeAsync(string directory, int port, string password, bool cluster, IReadOnlyList<string> runUnder)
    {
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "redis.conf");
        // The password goes in a file, not on the command line every user of the machine can read.
        await File.WriteAllLinesAsync(config,
        [
            $"port {port}", "bind 127.0.0.1", $"dir \"{directory}\"", "logfile redis.log", "daemonize no",
            $"requirepass {password}", $"masterauth {password}", "appendonly yes", "appendfsync everysec",
            .. cluster ? new[] { "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000" } : [],
        ]);
        return runUnder.Count > 0
            ? await ChildProcesses.StartAsync(runUnder[0], [.. runUnder.Skip(1), "redis-server", config])
            : await ChildProcesses.StartAsync("redis-server", [config]);
    }

    private async Task WaitForAsync(int port, string[] command, Func<string, bool> ready, Func<Exception?>? exited = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string reply;
        while (!ready(reply = await CliAsync(["-p", port.ToString(), .. command], check: false)))
        {
            if (exited?.Invoke() is { } failure)
            {
                throw failure;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"redis-server on port {port} did not answer {string.Join(' ', command)} as expected; last reply: {reply}");
            }

            await Task.Delay(50);
        }
    }

    private async Task<string> CliAsync(string[] args, bool check = true)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["REDISCLI_AUTH"] = Password; // not -a: a command line is visible to every user of the machine
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed ({process.ExitCode}): {await errors}{await output}");
        }

        return (await output).Trim();
    }

    /// <summary>Ports free now on loopback (and, for a cluster node, its bus port 10000 above).</summary>
    private static int[] FreePorts(int count, bool withClusterBus)
    {
        var ports = new HashSet<int>();
        while (ports.Count < count)
        {
            var port = FreePort();
            if (port < IPEndPoint.MaxPort - 10000 && (!withClusterBus || IsFree(port + 10000)))
            {
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    /// <summary>
    /// The first of <paramref name="count"/> consecutive ports free now on loopback, with their cluster bus ports 10000
    /// above: for an AppHost whose cluster takes its nodes' ports from <c>Redis:Port</c> on.
    /// </summary>
    public static int FreeClusterPorts(int count)
    {
        while (true)
        {
            // Below the ephemeral range (Linux: 32768 on) with the bus ports (+10000), as the hosting integration chooses them.
            var first = Random.Shared.Next(10000, 22000 - count);
            if (Enumerable.Range(first, count).All(port => IsFree(port) && IsFree(port + 10000)))
            {
                return first;
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts processes that the kernel kills when the test host dies. PR_SET_PDEATHSIG fires when the thread that forked
    /// the child exits, not the process, so every child is forked from one thread that lives as long as the host.
    /// </summary>
    private static class ChildProcesses
    {
        private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = [];

        static ChildProcesses() => new Thread(Run) { IsBackground = true, Name = "test child processes" }.Start();

        public static Task<Process> StartAsync(string command, IEnumerable<string> args)
        {
            var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in (string[])["--pdeathsig", "KILL", "--", command, .. args])
            {
                info.ArgumentList.Add(arg);
            }

            var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
            Requests.Add((info, started));
            return started.Task;
        }

        private static void Run()
        {
            foreach (var (info, started) in Requests.GetConsumingEnumerable())
            {
                try
                {
                    var process = Process.Start(info)!;
                    _ = process.StandardOutput.ReadToEndAsync();
                    _ = process.StandardError.ReadToEndAsync();
                    started.SetResult(process);
                }
                catch (Exception e)
                {
                    started.SetException(e);
                }
            }
        }
    }

    private sealed class NodeExitedException(int port, string directory) : Exception(
        $"redis-server on port {port} exited before it answered PING; its log: {LogTail(directory)}")
    {
        private static string LogTail(string directory)
        {
            var log = Path.Combine(directory, "redis.log");
            return File.Exists(log) ? string.Join(" | ", File.ReadLines(log).TakeLast(5)) : "(none)";
        }
    }
}
