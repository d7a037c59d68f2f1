using System.Diagnostics;
using JobQueue.Benchmarks.Modes;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Systems;

/// <summary>JobQueue through its .NET library (<see cref="JobStore"/>) and worker processes of <see cref="BenchWorker"/>.</summary>
public sealed class JobQueueSystem : IQueueSystem
{
    private readonly BenchRedis _redis;
    private readonly ConnectionMultiplexer _connection;
    private readonly QueueKeys _keys = new(new QueueOptions().Name);
    private readonly JobStore _store;

    public JobQueueSystem(BenchRedis redis)
    {
        _redis = redis;
        _connection = RedisConnections.Connect(redis.ConnectionString, "bench");
        var options = Options.Create(new QueueOptions());
        _store = new JobStore(_connection, new QueueDirectory(_connection, options), options);
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

    public Task FillAsync(int jobs) => EnqueueBatchesAsync(jobs, JobStore.MaxBatch, JobStore.MaxBatch);

    public async Task<WorkerGroup> StartWorkersAsync(int workers, int concurrency)
    {
        return await WorkerGroup.StartAsync(_redis, "dotnet", AppContext.BaseDirectory,
            [typeof(BenchWorker).Assembly.Location, "worker"], workers,
            new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = _redis.ConnectionString,
                ["Worker__Concurrency"] = concurrency.ToString(),
                ["DOTNET_ENVIRONMENT"] = "Production",
                // The worker runs inside this program, so it gets JobQueue.Worker.csproj's runtime setting this way.
                ["DOTNET_TieredPGO"] = "0",
            });
    }

    public async Task<long> CompletedAsync() => (long?)await Db.HashGetAsync(_keys.Stats, "done") ?? 0;

    public async Task<int> ProduceAsync(int perSecond, TimeSpan duration)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        var pending = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        while (pending.Count < total)
        {
            var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * perSecond) + 1);
            while (pending.Count < due)
            {
                pending.Add(_store.EnqueueAsync(NoopHandler.Type, UnixMicroseconds.Payload()));
            }

            await Task.Delay(1);
        }

        await Task.WhenAll(pending);
        return total;
    }

    public async Task<IReadOnlyList<JobWait>> WaitTimesAsync()
    {
        var ids = await Db.SortedSetRangeByRankAsync(_keys.Jobs);
        var results = await Task.WhenAll(ids.Select(id => Db.HashGetAsync(_keys.Job(id.ToString()), "result")));
        return [.. results.Where(r => r.HasValue).Select(r => JobWait.Parse(r.ToString()))];
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
    private async Task EnqueueBatchesAsync(int jobs, int window, int batch)
    {
        for (var sent = 0; sent < jobs; sent += window)
        {
            var count = Math.Min(window, jobs - sent);
            await Task.WhenAll(Enumerable.Range(0, (count + batch - 1) / batch).Select(i => _store.EnqueueManyAsync(
                [.. Enumerable.Range(0, Math.Min(batch, count - i * batch)).Select(_ => new NewJob(NoopHandler.Type, UnixMicroseconds.Payload()))])));
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
