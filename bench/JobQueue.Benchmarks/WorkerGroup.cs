using System.Runtime.InteropServices;

namespace JobQueue.Benchmarks;

/// <summary>
/// Worker processes of one system, each a <see cref="ServiceProcess"/> (so none outlives the benchmark).
/// They can be paused (SIGSTOP) while the queue is filled and resumed all at once, so a drain measures
/// processing only, not process start-up or a queue filling while it drains.
/// </summary>
public sealed partial class WorkerGroup : IAsyncDisposable
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly IReadOnlyList<ServiceProcess> _workers;

    private WorkerGroup(IReadOnlyList<ServiceProcess> workers) => _workers = workers;

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
        var workers = new List<ServiceProcess>();
        var group = new WorkerGroup(workers);
        try
        {
            for (var i = 0; i < replicas; i++)
            {
                workers.Add(await ServiceProcess.StartAsync(command, workingDirectory, args, environment));
            }

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!await ready(group))
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("The workers did not become ready within 60 s. Their console:\n" + group.Console());
                }

                await Task.Delay(50);
            }
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }

        return group;
    }

    /// <summary>The last console lines of every worker: what to show when one misbehaves.</summary>
    public string Console() => string.Join('\n', _workers.SelectMany((worker, i) =>
        worker.Console().Split('\n').TakeLast(20).Select(line => $"worker-{i}: {line}")));

    public void Pause() => Signal(SigStop);

    public void Resume() => Signal(SigCont);

    /// <summary>CPU time (user + system) the workers have used so far.</summary>
    public double CpuSeconds() => _workers.Sum(worker => ProcessCpu.Seconds(worker.Pid));

    private void Signal(int signal)
    {
        foreach (var pid in _workers.Select(w => w.Pid))
        {
            if (Kill(pid, signal) != 0)
            {
                throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
