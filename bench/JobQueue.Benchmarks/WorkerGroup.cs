using System.Globalization;
using System.Runtime.InteropServices;

namespace JobQueue.Benchmarks;

/// <summary>
/// Worker processes of one system, started through the hosting layer (so none outlives the benchmark).
/// They can be paused (SIGSTOP) while the queue is filled and resumed all at once, so a drain measures
/// processing only, not process start-up or a queue filling while it drains.
/// </summary>
public sealed partial class WorkerGroup : IAsyncDisposable
{
    private const int SigCont = 18;
    private const int SigStop = 19;
    private static readonly double ClockTicksPerSecond = 100; // USER_HZ on Linux

    private readonly DistributedApplication _app;
    private readonly IReadOnlyList<int> _pids;

    private WorkerGroup(DistributedApplication app, IReadOnlyList<int> pids) => (_app, _pids) = (app, pids);

    public int Count => _pids.Count;

    /// <summary>
    /// Starts <paramref name="replicas"/> processes of <paramref name="command"/> and waits until each waits for
    /// jobs in a blocking Redis command (XREADGROUP BLOCK, BZPOPMIN): then they are ready.
    /// </summary>
    public static Task<WorkerGroup> StartAsync(BenchRedis redis,
        string command, string workingDirectory, string[] args, int replicas, IReadOnlyDictionary<string, string> environment) =>
        StartAsync(async _ => await redis.BlockedClientsAsync() >= replicas, command, workingDirectory, args, replicas, environment);

    /// <summary>Starts the processes and waits until <paramref name="ready"/> says every one of them waits for jobs.</summary>
    public static async Task<WorkerGroup> StartAsync(Func<WorkerGroup, Task<bool>> ready,
        string command, string workingDirectory, string[] args, int replicas, IReadOnlyDictionary<string, string> environment)
    {
        var builder = BenchApps.CreateBuilder();
        var workers = builder.AddExecutable("worker", command, workingDirectory, args).WithReplicas(replicas);
        foreach (var (name, value) in environment)
        {
            workers.WithEnvironment(name, value);
        }

        var app = builder.Build();
        await app.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.ResourceNotifications.WaitForResourceAsync("worker", KnownResourceStates.Running, timeout.Token);
        var pids = app.ResourceNotifications.GetReplicas("worker").Select(r => r.Pid ?? throw new InvalidOperationException(
            $"Worker {r.ReplicaName} is {r.State}: {r.Error}")).ToList();
        var group = new WorkerGroup(app, pids);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await ready(group))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                var console = group.Console();
                await group.DisposeAsync();
                throw new TimeoutException("The workers did not become ready within 60 s. Their console:\n" + console);
            }

            await Task.Delay(50);
        }

        return group;
    }

    /// <summary>The last console lines of every worker: what to show when one misbehaves.</summary>
    public string Console() => string.Join('\n', _app.ResourceNotifications.GetReplicas("worker")
        .SelectMany(r => _app.ResourceLogs.GetLines(r.ReplicaName, 20).Select(l => $"{r.ReplicaName}: {l.Text}")));

    public void Pause() => Signal(SigStop);

    public void Resume() => Signal(SigCont);

    /// <summary>CPU time (user + system) the workers have used so far, from /proc.</summary>
    public double CpuSeconds() => _pids.Sum(pid =>
    {
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    });

    private void Signal(int signal)
    {
        foreach (var pid in _pids)
        {
            if (Kill(pid, signal) != 0)
            {
                throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pid in _pids)
        {
            _ = Kill(pid, SigCont); // a stopped process would not see SIGTERM; one already gone is fine
        }

        await _app.DisposeAsync();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
