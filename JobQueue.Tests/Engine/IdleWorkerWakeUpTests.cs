using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>
/// How idle workers learn of new work, against a real redis-server: a new job wakes one idle worker, not every one
/// (each would make a claim call to find the job gone), and a burst wakes as many as it needs.
/// </summary>
public sealed class IdleWorkerWakeUpTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _queue = "wake-" + Guid.NewGuid().ToString("N")[..10];
    private readonly ConcurrentBag<string> _ranOn = [];

    [Fact]
    public async Task A_job_submitted_while_three_workers_are_idle_wakes_one_of_them()
    {
        var store = await StoreAsync();
        using var workers = await StartIdleWorkersAsync(store);

        var takesBefore = await TakesAsync();
        await RunOneAtATimeAsync(store, 60);
        var takes = await TakesAsync() - takesBefore;

        TestReport.Add($"60 jobs submitted one at a time to 3 idle workers: {takes} take calls (one per worker woken)");
        Assert.InRange(takes, 60, 80); // every idle worker woken: about 180
    }

    [Fact]
    public async Task A_burst_submitted_in_one_call_wakes_as_many_idle_workers_as_it_needs()
    {
        var store = await StoreAsync();
        using var workers = await StartIdleWorkersAsync(store);
        _ranOn.Clear();

        // One script call raises the marker once; two slots each, so the jobs need all three workers at once.
        var burst = await store.EnqueueManyAsync([.. Enumerable.Range(0, 6).Select(_ => new NewJob("job", """{"sleep_ms": 1000}"""))]);
        var ended = await Task.WhenAll(burst.Select(r => InProcessWorker.WaitForEndAsync(store, r.Job.Id)));

        Assert.All(ended, job => Assert.Equal(JobStatus.Done, job.Status));
        TestReport.Add($"A burst of 6 one-second jobs, 3 idle workers of 2 slots: ran on {string.Join(", ", _ranOn.Order())}; " +
            $"all started within {(ended.Max(j => j.StartedAt!.Value) - ended.Min(j => j.StartedAt!.Value)).TotalMilliseconds:F0} ms");
        Assert.Equal(["w1", "w1", "w2", "w2", "w3", "w3"], _ranOn.Order());
        Assert.True(ended.Max(j => j.StartedAt!.Value) < ended.Min(j => j.FinishedAt!.Value), "a job waited for another to end");
    }

    [Fact]
    public async Task A_job_whose_wake_up_went_to_a_worker_that_died_is_taken_by_another_at_its_block_timeout()
    {
        var store = await StoreAsync();
        // A worker that took the marker and was killed before its take: a client blocked first, so Redis hands it the marker.
        await using var doomed = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var takenByTheDead = doomed.GetDatabase().ExecuteAsync("BZPOPMIN", new Redis.QueueKeys(_queue).Wake, 30);
        using var survivor = await InProcessWorker.StartAsync(server, _queue, worker => worker.AddHandler<RecordingHandler>("job"),
            services => services.AddSingleton(_ranOn), new Dictionary<string, string?>
            {
                ["Worker:ConsumerName"] = "survivor", ["Worker:BlockTimeout"] = "00:00:01",
            });
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // the survivor has looked, found nothing and blocked

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var job = await store.EnqueueAsync(new NewJob("job", """{"sleep_ms": 0}"""));
        Assert.False((await takenByTheDead).IsNull);
        var ended = await InProcessWorker.WaitForEndAsync(store, job.Job.Id, TimeSpan.FromSeconds(10));

        TestReport.Add($"A job whose wake-up went to a dead worker: done by the survivor after {clock.ElapsedMilliseconds} ms (block timeout 1 s)");
        Assert.Equal(JobStatus.Done, ended.Status);
        Assert.Equal(["survivor"], _ranOn);
    }

    [Fact]
    public async Task An_idle_worker_takes_a_new_job_on_the_connection_it_waited_on_with_no_round_trip_in_between()
    {
        var store = await StoreAsync();
        using var worker = await InProcessWorker.StartAsync(server, _queue, worker => worker.AddHandler<RecordingHandler>("job"),
            services => services.AddSingleton(_ranOn), new Dictionary<string, string?>
            {
                ["Worker:ConsumerName"] = "w1", ["Worker:BlockTimeout"] = "00:00:30",
            });
        await RunOneAtATimeAsync(store, 1);

        await using var monitor = await RedisMonitor.StartAsync(server.ConnectionString);
        await RunOneAtATimeAsync(store, 3);

        // A take is a script call that runs XREADGROUP; the worker's waits are its BZPOPMIN calls.
        var lines = monitor.Lines;
        var takes = lines.Select((line, i) => (line, i))
            .Where(l => IsScriptCall(l.line) && lines.Skip(l.i + 1).TakeWhile(IsRunByScript).Any(c => c.Contains("\"XREADGROUP\"")))
            .Select(l => ClientOf(l.line)).ToList();
        var waiting = lines.Where(l => l.Contains("\"BZPOPMIN\"")).Select(ClientOf).Distinct().ToList();
        Assert.Equal(3, takes.Count);
        var reader = Assert.Single(waiting);
        // A take sent once the wake-up's reply is read goes on the worker's other connection.
        Assert.All(takes, client => Assert.Equal(reader, client));
    }

    private static bool IsScriptCall(string line) => line.Contains("] \"EVAL", StringComparison.OrdinalIgnoreCase); // EVAL, EVALSHA

    private static bool IsRunByScript(string line) => line.Contains(" lua] ");

    /// <summary>The client a MONITOR line names: <c>127.0.0.1:50000</c> in <c>1700000000.000001 [0 127.0.0.1:50000] "..."</c>.</summary>
    private static string ClientOf(string line) => line.Split('[', ']')[1].Split(' ')[1];

    private IDatabase Db => server.Redis.GetDatabase();

    private async Task<JobStore> StoreAsync()
    {
        await Db.SetAddAsync(new Redis.QueueKeys(_queue).Types, "job");
        var options = Options.Create(new QueueOptions { Name = _queue });
        return new JobStore(server.Redis, new QueueDirectory(server.Redis, options), options);
    }

    /// <summary>Submits jobs one by one, each after the last ended, so every worker is idle when it arrives.</summary>
    private static async Task RunOneAtATimeAsync(JobStore store, int jobs)
    {
        for (var i = 0; i < jobs; i++)
        {
            var job = await store.EnqueueAsync(new NewJob("job", """{"sleep_ms": 0}"""));
            Assert.Equal(JobStatus.Done, (await InProcessWorker.WaitForEndAsync(store, job.Job.Id)).Status);
        }
    }

    /// <summary>
    /// Three workers (w1, w2, w3) of two slots each, whose quiet block outlasts the test (only a wake-up brings them to
    /// look), each joined and gone idle.
    /// </summary>
    private async Task<Workers> StartIdleWorkersAsync(JobStore store)
    {
        var hosts = new List<IHost>();
        foreach (var name in new[] { "w1", "w2", "w3" })
        {
            hosts.Add(await InProcessWorker.StartAsync(server, _queue, worker => worker.AddHandler<RecordingHandler>("job"),
                services => services.AddSingleton(_ranOn), new Dictionary<string, string?>
                {
                    ["Worker:ConsumerName"] = name, ["Worker:Concurrency"] = "2", ["Worker:BlockTimeout"] = "00:00:30",
                }));
        }

        await RunOneAtATimeAsync(store, 3);
        return new Workers(hosts);
    }

    private sealed class Workers(IReadOnlyList<IHost> hosts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var host in hosts)
            {
                host.Dispose();
            }
        }
    }

    /// <summary>How many takes (read_and_claim.lua calls, one XREADGROUP each) Redis has run.</summary>
    private Task<long> TakesAsync() => RedisCommandCalls.CountAsync(server.ConnectionString, "xreadgroup");

    public sealed class RecordingHandler(ConcurrentBag<string> ranOn, IOptions<WorkerOptions> options) : IJobHandler
    {
        public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            ranOn.Add(options.Value.ConsumerName!);
            await Task.Delay((int?)job.Payload?["sleep_ms"] ?? 0, cancellationToken);
            return null;
        }
    }
}
