using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire;
using Hangfire.States;
using JobQueue.Benchmarks.Modes;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Systems;

/// <summary>
/// Hangfire (Hangfire.Core with Hangfire.Redis.StackExchange, the Redis storage .NET teams run) through its client, in
/// this process, and servers of <see cref="HangfireWorker"/>. Its client is synchronous: "in flight" is
/// <see cref="ClientThreads"/> threads each calling it, not a pipelined window. Measured on the rows a .NET team would
/// compare (enqueue, drain, enqueue-to-start); it has no batch enqueue, weighted queues, rate limits or flows in its
/// open-source edition, so those rows are JobQueue's and BullMQ's only.
/// </summary>
public sealed class HangfireSystem : IQueueSystem
{
    /// <summary>Threads calling the synchronous client at once (more only queue up behind Redis).</summary>
    private const int ClientThreads = 64;

    private readonly BenchRedis _redis;
    private readonly ConnectionMultiplexer _connection;
    private readonly BackgroundJobClient _client;
    private readonly ConcurrentBag<string> _produced = [];

    public HangfireSystem(BenchRedis redis)
    {
        _redis = redis;
        _connection = ConnectionMultiplexer.Connect(redis.ConnectionString);
        _client = new BackgroundJobClient(HangfireJobs.Configure(_connection));
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, ClientThreads * 2), io);
    }

    public string Name => "Hangfire";

    /// <summary>About 20 s of its drain on this machine (1,000 jobs/s with one worker process), where 100,000 would take minutes per row.</summary>
    public int MostDrainJobs => 20_000;

    public IReadOnlyList<string> EnqueueVariants => ["Enqueue"];

    private IDatabase Db => _connection.GetDatabase();

    public static string Version => typeof(BackgroundJob).Assembly.GetName().Version!.ToString(3);

    public async Task<EnqueueRun> EnqueueAsync(string variant, int jobs, int window, int batch)
    {
        var warmUp = Math.Max(1, jobs / 10);
        await EnqueueAsync(warmUp, queue: null);
        var clock = Stopwatch.StartNew();
        await EnqueueAsync(jobs, queue: null);
        return new EnqueueRun(variant, jobs, clock.Elapsed, jobs + warmUp);
    }

    public Task FillAsync(int jobs, string? queue = null) => EnqueueAsync(jobs, queue);

    public Task<WorkerGroup> StartWorkersAsync(int workers, int concurrency, DrainShape? shape = null)
    {
        if (shape is not null && shape != DrainShape.Plain)
        {
            throw new NotSupportedException($"Hangfire's open-source edition has no {shape.Name} queues");
        }

        _produced.Clear();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            // A Hangfire worker service is a console app: the workstation GC (this program, a web project, has the server GC).
            ["DOTNET_gcServer"] = "0",
        };
        // Ready once every server has registered (it fetches with RPOPLPUSH and waits on pub/sub, not in a blocking command).
        return WorkerGroup.StartAsync(async _ => await Db.SetLengthAsync(HangfireJobs.Prefix + "servers") >= workers,
            "dotnet", AppContext.BaseDirectory, [typeof(HangfireWorker).Assembly.Location, "hangfire-worker", concurrency.ToString()],
            workers, environment);
    }

    /// <summary>Hangfire's own count of succeeded jobs (what its dashboard shows).</summary>
    public async Task<long> CompletedAsync() => (long?)await Db.StringGetAsync(HangfireJobs.Prefix + "stats:succeeded") ?? 0;

    /// <summary>
    /// Paced as JobQueue's producer is; the synchronous client calls run on <see cref="ClientThreads"/> threads of their
    /// own (a call per pool thread starved the pool: 5 s Redis timeouts at 1,000 jobs a second).
    /// </summary>
    public async Task<int> ProduceAsync(int perSecond, TimeSpan duration)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        using var due = new BlockingCollection<int>();
        var callers = Enumerable.Range(0, ClientThreads).Select(_ => Task.Factory.StartNew(() =>
        {
            foreach (var _ in due.GetConsumingEnumerable())
            {
                _produced.Add(Enqueue(queue: null));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
        GC.Collect(); // as JobQueue's producer: this process's garbage from the rows before is not the submissions' pause
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        var added = 0;
        await ShortSleep.LoopAsync(1, () =>
        {
            for (var now = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * perSecond) + 1); added < now; added++)
            {
                due.Add(added);
            }

            return added < total;
        });

        due.CompleteAdding();
        await Task.WhenAll(callers);
        return total;
    }

    /// <summary>From each produced job's succeeded state: its <c>Result</c>, the no-op's return value.</summary>
    public async Task<IReadOnlyList<JobWait>> WaitTimesAsync()
    {
        var results = await Task.WhenAll(_produced.Select(id => Db.HashGetAsync($"{HangfireJobs.Prefix}job:{id}:state", "Result")));
        return [.. results.Where(r => r.HasValue).Select(r => JobWait.Parse(r.ToString()))];
    }

    private Task EnqueueAsync(int jobs, string? queue) =>
        Task.Factory.StartNew(() => Parallel.For(0, jobs, new ParallelOptions { MaxDegreeOfParallelism = ClientThreads }, _ => Enqueue(queue)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary><c>BackgroundJob.Enqueue(() => HangfireJobs.Noop(now))</c>, on <paramref name="queue"/> when given.</summary>
    private string Enqueue(string? queue)
    {
        var t = Math.Round(UnixMicroseconds.Now());
        return queue is null
            ? _client.Enqueue(() => HangfireJobs.Noop(t))
            : _client.Create(() => HangfireJobs.Noop(t), new EnqueuedState(queue));
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
