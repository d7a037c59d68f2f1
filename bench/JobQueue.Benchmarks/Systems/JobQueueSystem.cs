using System.Diagnostics;
using JobQueue.Benchmarks.Modes;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Systems;

/// <summary>JobQueue through its .NET library (<see cref="JobStore"/>) and worker processes of <see cref="BenchWorker"/>.</summary>
public sealed class JobQueueSystem : IWorkflowSystem
{
    private readonly BenchRedis _redis;
    private readonly ConnectionMultiplexer _connection;
    private readonly QueueKeys _keys = new(new QueueOptions().Name);
    private readonly QueueDirectory _directory;
    private readonly JobStore _store;
    private IReadOnlyList<QueueKeys> _queues;

    public JobQueueSystem(BenchRedis redis)
    {
        _redis = redis;
        _connection = RedisConnections.Connect(redis.ConnectionString, "bench");
        var options = Options.Create(new QueueOptions());
        _directory = new QueueDirectory(_connection, options);
        _store = new JobStore(_connection, _directory, options);
        _queues = [_keys];
    }

    public string Name => "JobQueue";

    private IDatabase Db => _connection.GetDatabase();

    public IReadOnlyList<string> EnqueueVariants => [nameof(JobStore.EnqueueAsync), nameof(JobStore.EnqueueManyAsync)];

    public async Task<EnqueueRun> EnqueueAsync(string variant, int jobs, int window, int batch)
    {
        Func<int, Task> enqueue = variant == nameof(JobStore.EnqueueManyAsync)
            ? count => EnqueueBatchesAsync(count, window, batch)
            : count => EnqueueOneByOneAsync(count, window);
        var warmUp = Math.Max(1, jobs / 10);
        await enqueue(warmUp);
        var clock = Stopwatch.StartNew();
        await enqueue(jobs);
        return new EnqueueRun(variant, jobs, clock.Elapsed, jobs + warmUp);
    }

    /// <summary>Fills in batches of 1,000 (what the drain rows have always been filled with).</summary>
    public Task FillAsync(int jobs, string? queue = null) => EnqueueBatchesAsync(jobs, 1000, 1000, queue);

    public async Task<WorkerGroup> StartWorkersAsync(int workers, int concurrency, DrainShape? shape = null)
    {
        shape ??= DrainShape.Plain;
        _queues = [.. shape.Queues.Select(q => _directory.Keys(q.Name))];
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["Worker__Concurrency"] = concurrency.ToString(),
            ["DOTNET_ENVIRONMENT"] = "Production",
            // The worker runs inside this program (a web project: server GC), so it gets JobQueue.Worker.csproj's
            // runtime settings this way: no dynamic PGO, and the workstation GC of a worker project.
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var queue in shape.Queues.Where(q => q.Name is not null))
        {
            environment[$"Worker__Queues__{queue.Name}"] = queue.Weight.ToString();
        }

        if (shape.RateMax is { } max)
        {
            var controls = new QueueControls(_connection, _directory);
            foreach (var queue in shape.Queues)
            {
                await _directory.RegisterAsync(_directory.Keys(queue.Name).Name); // as its pool will when it starts
                await controls.SetLimitsAsync(queue.Name, new QueueLimits(RateMax: max, RatePeriod: shape.RatePeriod));
            }
        }

        return await WorkerGroup.StartAsync(_redis, "dotnet", AppContext.BaseDirectory,
            [typeof(BenchWorker).Assembly.Location, "worker"], workers, environment);
    }

    public async Task<long> CompletedAsync() =>
        (await Task.WhenAll(_queues.Select(q => Db.HashGetAsync(q.Stats, "done")))).Sum(done => (long?)done ?? 0);

    public async Task<int> ProduceAsync(int perSecond, TimeSpan duration)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        var pending = new List<Task>(total);
        // This process is the producer, and by the latency row it holds the garbage of every row before: collected
        // first, as BullMQ's producer starts as a fresh process, so a collection of it does not pause the submissions
        // (seen: two 9 ms pauses of the server GC in the workers' first 10 s).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        await ShortSleep.LoopAsync(1, () =>
        {
            var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * perSecond) + 1);
            while (pending.Count < due)
            {
                pending.Add(_store.EnqueueAsync(NoopHandler.Type, UnixMicroseconds.Payload()));
            }

            return pending.Count < total;
        });

        await Task.WhenAll(pending);
        return total;
    }

    public async Task<IReadOnlyList<JobWait>> WaitTimesAsync()
    {
        var ids = await Db.SortedSetRangeByRankAsync(_keys.Jobs);
        var results = await Task.WhenAll(ids.Select(id => Db.HashGetAsync(_keys.Job(id.ToString()), "result")));
        return [.. results.Where(r => r.HasValue).Select(r => JobWait.Parse(r.ToString()))];
    }

    public async Task<FlowRun> RunFlowAsync(int children)
    {
        var clock = Stopwatch.StartNew();
        var jobs = Enumerable.Range(0, children).Select(_ => new NewJob(NoopHandler.Type, UnixMicroseconds.Payload())).ToList();
        jobs.Add(new NewJob(NoopHandler.Type, UnixMicroseconds.Payload(), DependsOn: [.. Enumerable.Range(0, children).Select(i => JobDependency.OnBatchJob(i))]));
        var parent = (await _store.EnqueueManyAsync(jobs))[^1].Job.Id;
        var submitted = clock.Elapsed;
        await ShortSleep.LoopAsync(2, () => Db.HashGet(_keys.Job(parent), "status") != JobStatus.Done);

        return new FlowRun(children, submitted, clock.Elapsed);
    }

    public async Task<IReadOnlyList<double>> ScheduleDelaysAsync(int seconds)
    {
        var schedules = new ScheduleStore(_connection, _directory, _store, Options.Create(new QueueOptions()));
        await schedules.PutAsync(new ScheduleDefinition("bench-every-second", "* * * * * *", new NewJob(NoopHandler.Type, UnixMicroseconds.Payload())));
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        await schedules.DeleteAsync("bench-every-second");
        await Task.Delay(TimeSpan.FromSeconds(1)); // the last occurrence's job runs
        var ids = await Db.SortedSetRangeByRankAsync(_keys.Jobs);
        var jobs = await Task.WhenAll(ids.Select(id => _store.GetAsync(id.ToString())));
        return [.. jobs.Where(j => j is { RunAt: not null, StartedAt: not null }).Select(j => (j!.StartedAt!.Value - j.RunAt!.Value).TotalMilliseconds)];
    }

    /// <summary>Like BullMQ's <c>add</c>: one call per job, <paramref name="window"/> calls in flight.</summary>
    private async Task EnqueueOneByOneAsync(int jobs, int window)
    {
        for (var sent = 0; sent < jobs; sent += window)
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Min(window, jobs - sent))
                .Select(_ => _store.EnqueueAsync(NoopHandler.Type, UnixMicroseconds.Payload())));
        }
    }

    /// <summary>Like BullMQ's <c>addBulk</c>: <paramref name="window"/> jobs in flight, in calls of <paramref name="batch"/> jobs.</summary>
    private async Task EnqueueBatchesAsync(int jobs, int window, int batch, string? queue = null)
    {
        for (var sent = 0; sent < jobs; sent += window)
        {
            var count = Math.Min(window, jobs - sent);
            await Task.WhenAll(Enumerable.Range(0, (count + batch - 1) / batch).Select(i => _store.EnqueueManyAsync(
                [.. Enumerable.Range(0, Math.Min(batch, count - i * batch)).Select(_ => new NewJob(NoopHandler.Type, UnixMicroseconds.Payload(), Queue: queue))])));
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
