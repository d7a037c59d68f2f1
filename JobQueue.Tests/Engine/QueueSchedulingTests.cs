using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Engine;

/// <summary>
/// Workers reading several named queues, against a real redis-server: weights and strict priority, pause and
/// resume, and limits held by every worker together. Each test uses queues of its own.
/// </summary>
public sealed class QueueSchedulingTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..10];
    private readonly RunLog _log = new();

    private string Queue(string name) => $"{name}-{_id}";

    [Fact]
    public async Task A_queue_of_weight_6_is_served_about_6_times_as_often_as_one_of_weight_1_while_both_have_work()
    {
        var (heavy, light) = (Queue("heavy"), Queue("light"));
        var store = await StoreWithQueuesAsync(heavy, light);
        await FillAsync(store, heavy, 1500);
        await FillAsync(store, light, 1500);

        // One slot: each take is one job, so the count of jobs is the count of takes each queue won.
        using var worker = await StartWorkerAsync(new()
        {
            [$"Worker:Queues:{heavy}"] = "6", [$"Worker:Queues:{light}"] = "1", ["Worker:Concurrency"] = "1",
        });
        await Eventually.WaitAsync(() => Task.FromResult(_log.Starts.Count), n => n >= 1400, TimeSpan.FromSeconds(60), "1400 jobs to start");

        // The first 1400 starts come while both queues still have work (heavy alone would need 1500).
        var first = _log.Starts.OrderBy(s => s.At).Take(1400).ToList();
        var (fromHeavy, fromLight) = (first.Count(s => s.Queue == heavy), first.Count(s => s.Queue == light));
        TestReport.Add($"Weighted queues 6:1: of the first 1400 jobs, {fromHeavy} from the heavy queue and {fromLight} from the light one");
        Assert.InRange((double)fromHeavy / fromLight, 4.5, 8.0); // 6 expected; 4.5 and 8 are over 3 standard deviations out
    }

    [Fact]
    public async Task Strict_priority_drains_the_higher_queue_before_starting_anything_of_the_lower()
    {
        var (high, low) = (Queue("high"), Queue("low"));
        var store = await StoreWithQueuesAsync(high, low);
        var highJobs = await FillAsync(store, high, 300);
        var lowJobs = await FillAsync(store, low, 300);

        using var worker = await StartWorkerAsync(new()
        {
            [$"Worker:Queues:{low}"] = "1", [$"Worker:Queues:{high}"] = "2", ["Worker:StrictPriority"] = "true",
        });
        var ended = await Task.WhenAll(highJobs.Concat(lowJobs).Select(id => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(60))));

        Assert.All(ended, job => Assert.Equal(JobStatus.Done, job.Status));
        var lastHigh = ended.Where(j => j.Queue == high).Max(j => j.StartedAt!.Value);
        var firstLow = ended.Where(j => j.Queue == low).Min(j => j.StartedAt!.Value);
        Assert.True(lastHigh <= firstLow, $"a low-priority job started at {firstLow:O}, before the last high one at {lastHigh:O}");
    }

    [Fact]
    public async Task A_paused_queue_accepts_jobs_but_starts_none_even_across_a_worker_restart_and_resume_releases_them()
    {
        var queue = Queue("paused");
        var store = await StoreWithQueuesAsync(queue);
        var controls = new QueueControls(server.Redis, Directory());
        await controls.PauseAsync(queue);
        var settings = new Dictionary<string, string?> { [$"Worker:Queues:{queue}"] = "1" };

        var jobs = await FillAsync(store, queue, 5);
        using (await StartWorkerAsync(settings))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        using var restarted = await StartWorkerAsync(settings);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(_log.Starts);
        Assert.All(await Task.WhenAll(jobs.Select(id => store.GetRequiredAsync(id))), job => Assert.Equal(JobStatus.Queued, job.Status));
        Assert.True((await new QueueInspector(server.Redis, Directory()).StatsAsync(queue)).Paused);

        await controls.ResumeAsync(queue);

        var ended = await Task.WhenAll(jobs.Select(id => InProcessWorker.WaitForEndAsync(store, id)));
        Assert.All(ended, job => Assert.Equal(JobStatus.Done, job.Status));
    }

    [Fact]
    public async Task A_concurrency_limit_holds_across_three_workers_and_is_used_in_full()
    {
        var queue = Queue("narrow");
        var store = await StoreWithQueuesAsync(queue);
        await new QueueControls(server.Redis, Directory()).SetLimitsAsync(queue, new QueueLimits(Concurrency: 3));
        var jobs = await FillAsync(store, queue, 30, sleepMs: 150);

        var settings = (string name) => new Dictionary<string, string?>
        {
            [$"Worker:Queues:{queue}"] = "1", ["Worker:Concurrency"] = "4", ["Worker:ConsumerName"] = name,
        };
        using var first = await StartWorkerAsync(settings("w1"));
        using var second = await StartWorkerAsync(settings("w2"));
        using var third = await StartWorkerAsync(settings("w3"));
        var inspector = new QueueInspector(server.Redis, Directory());
        var sampled = 0L;
        var ending = Task.WhenAll(jobs.Select(id => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(60))));
        while (!ending.IsCompleted)
        {
            sampled = Math.Max(sampled, (await inspector.StatsAsync(queue)).Pending);
            await Task.Delay(20);
        }

        Assert.All(await ending, job => Assert.Equal(JobStatus.Done, job.Status));
        TestReport.Add($"Concurrency limit 3 over 3 workers of 4 slots: at most {_log.MostRunning} handlers ran at once (sampled running: {sampled})");
        Assert.Equal(3, _log.MostRunning);
        Assert.InRange(sampled, 1, 3);
    }

    [Fact]
    public async Task A_rate_limit_holds_over_a_measured_window_across_two_workers()
    {
        var queue = Queue("rated");
        var store = await StoreWithQueuesAsync(queue);
        var period = TimeSpan.FromMilliseconds(500);
        await new QueueControls(server.Redis, Directory()).SetLimitsAsync(queue, new QueueLimits(RateMax: 10, RatePeriod: period));
        var jobs = await FillAsync(store, queue, 40);

        var settings = (string name) => new Dictionary<string, string?> { [$"Worker:Queues:{queue}"] = "1", ["Worker:ConsumerName"] = name };
        using var first = await StartWorkerAsync(settings("w1"));
        using var second = await StartWorkerAsync(settings("w2"));
        var ended = await Task.WhenAll(jobs.Select(id => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(30))));

        Assert.All(ended, job => Assert.Equal(JobStatus.Done, job.Status));
        var starts = ended.Select(j => j.StartedAt!.Value).Order().ToList();
        var span = starts[^1] - starts[0];
        // 40 jobs at 10 per window need 4 windows: the last starts at least 3 periods after the first.
        TestReport.Add($"Rate limit 10 per 500 ms: 40 jobs started over {span.TotalMilliseconds:F0} ms");
        Assert.True(span >= 3 * period - TimeSpan.FromMilliseconds(20), $"40 jobs started within {span}");
        // A fixed window lets at most twice the rate into any sliding period (the end of one window, the start of the next).
        Assert.All(starts, start => Assert.InRange(starts.Count(s => s >= start && s < start + period), 1, 20));
    }

    [Fact]
    public async Task A_queue_held_by_its_limit_does_not_stop_the_worker_serving_its_other_queue()
    {
        var (held, free) = (Queue("held"), Queue("free"));
        var store = await StoreWithQueuesAsync(held, free);
        await new QueueControls(server.Redis, Directory()).SetLimitsAsync(held, new QueueLimits(Concurrency: 1));
        var slow = await FillAsync(store, held, 3, sleepMs: 3000);
        var fast = await FillAsync(store, free, 50);

        using var worker = await StartWorkerAsync(new() { [$"Worker:Queues:{held}"] = "6", [$"Worker:Queues:{free}"] = "1" });

        var done = await Task.WhenAll(fast.Select(id => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(2.5))));
        Assert.All(done, job => Assert.Equal(JobStatus.Done, job.Status));
        var waiting = await Task.WhenAll(slow.Select(id => store.GetRequiredAsync(id)));
        Assert.Equal(2, waiting.Count(j => j.Status == JobStatus.Queued));
    }

    [Fact]
    public async Task A_group_limit_holds_each_group_to_its_share_while_the_other_groups_jobs_still_flow()
    {
        var queue = Queue("tenants");
        var store = await StoreWithQueuesAsync(queue);
        await new QueueControls(server.Redis, Directory()).SetLimitsAsync(queue, new QueueLimits(GroupConcurrency: 2));
        // The busy tenant's slow jobs come first: without the limit they would take all 8 slots.
        var busy = await FillAsync(store, queue, 12, sleepMs: 400, group: "tenant-busy");
        var quiet = await FillAsync(store, queue, 6, sleepMs: 20, group: "tenant-quiet");

        var settings = (string name) => new Dictionary<string, string?>
        {
            [$"Worker:Queues:{queue}"] = "1", ["Worker:Concurrency"] = "4", ["Worker:ConsumerName"] = name,
        };
        using var first = await StartWorkerAsync(settings("w1"));
        using var second = await StartWorkerAsync(settings("w2"));

        var quietDone = await Task.WhenAll(quiet.Select(id => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(30))));
        var busyDone = await Task.WhenAll(busy.Select(id => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(60))));

        Assert.All(quietDone.Concat(busyDone), job => Assert.Equal(JobStatus.Done, job.Status));
        Assert.Equal("tenant-busy", busyDone[0].Group);
        TestReport.Add($"Group limit 2 over two workers of 4 slots: at most {_log.MostRunningOf("tenant-busy")} jobs of the busy tenant " +
            $"and {_log.MostRunningOf("tenant-quiet")} of the quiet one ran at once");
        Assert.Equal(2, _log.MostRunningOf("tenant-busy"));
        Assert.InRange(_log.MostRunningOf("tenant-quiet"), 1, 2);
        // The quiet tenant did not wait for the busy one's 12 jobs (6 rounds of 400 ms at 2 at a time).
        Assert.True(quietDone.Max(j => j.FinishedAt!.Value) < busyDone.Max(j => j.FinishedAt!.Value) - TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_job_of_a_named_queue_is_found_by_its_id_listed_in_its_queue_and_canceled_there()
    {
        var queue = Queue("named");
        var store = await StoreWithQueuesAsync(queue);

        var job = (await store.EnqueueAsync("logged", "{}", queue: queue)).Job;

        Assert.Equal(queue, (await store.GetRequiredAsync(job.Id)).Queue);
        Assert.Equal([job.Id], (await store.ListAsync(JobFilter.None, 10, null, queue)).Jobs.Select(j => j.Id));
        Assert.DoesNotContain(job.Id, (await store.ListAsync(JobFilter.None, 10, null)).Jobs.Select(j => j.Id));
        await store.CancelAsync(job.Id);
        Assert.Equal(JobStatus.Canceled, (await store.GetRequiredAsync(job.Id)).Status);
    }

    [Fact]
    public async Task A_job_for_a_queue_no_pool_reads_is_refused_naming_the_queues_and_nothing_is_written()
    {
        var store = await StoreWithQueuesAsync(Queue("known"));
        var keysBefore = await QueueKeyNames.OfAsync(server.Redis, Queue("known"), Queue("unknown"), Queue("default"));

        var refused = await Assert.ThrowsAsync<UnknownQueueException>(() => store.EnqueueAsync("logged", "{}", queue: Queue("unknown")));

        Assert.Equal($"No worker pool reads queue '{Queue("unknown")}'. Queues: {Queue("default")}, {Queue("known")}.", refused.Message);
        Assert.Equal(keysBefore, await QueueKeyNames.OfAsync(server.Redis, Queue("known"), Queue("unknown"), Queue("default")));
    }

    [Fact]
    public void A_worker_configured_with_a_bad_queue_name_or_weight_does_not_start()
    {
        foreach (var (queue, weight, expected) in new[] { ("Emails!", "1", "not a valid queue name"), ("emails", "0", "weight must be from 1 to 100") })
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration["ConnectionStrings:redis"] = server.ConnectionString;
            builder.Configuration[$"Worker:Queues:{queue}"] = weight;
            builder.AddJobWorker().AddHandler<LoggedHandler>("logged");

            var refused = Assert.Throws<OptionsValidationException>(() =>
            {
                using var host = builder.Build();
                host.Start();
            });
            Assert.Contains(expected, refused.Message);
        }
    }

    private QueueDirectory Directory() => new(server.Redis, Options.Create(new QueueOptions { Name = Queue("default") }));

    /// <summary>A store whose named queues are registered, as worker pools reading them would have done.</summary>
    private async Task<JobStore> StoreWithQueuesAsync(params string[] queues)
    {
        var directory = Directory();
        foreach (var queue in queues)
        {
            await directory.RegisterAsync(queue);
        }

        return new JobStore(server.Redis, directory, Options.Create(new QueueOptions { Name = Queue("default") }));
    }

    private static async Task<IReadOnlyList<string>> FillAsync(JobStore store, string queue, int count, int sleepMs = 0, string? group = null)
    {
        var ids = new List<string>();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(JobStore.MaxBatch))
        {
            var results = await store.EnqueueManyAsync([.. chunk.Select(_ =>
                new NewJob("logged", $$"""{"sleep_ms": {{sleepMs}}, "group": "{{group}}"}""", Queue: queue, Group: group))]);
            ids.AddRange(results.Select(r => r.Job.Id));
        }

        return ids;
    }

    private Task<IHost> StartWorkerAsync(Dictionary<string, string?> settings) =>
        InProcessWorker.StartAsync(server, Queue("default"), worker => worker.AddHandler<LoggedHandler>("logged"),
            services => services.AddSingleton(_log), settings);

    /// <summary>
    /// Which queue each run came from and when it started, and the most runs under way at once, in all and per
    /// group (in every worker of the test).
    /// </summary>
    public sealed class RunLog
    {
        private readonly Counter _all = new();
        private readonly ConcurrentDictionary<string, Counter> _groups = new();

        public ConcurrentBag<(string Queue, long At)> Starts { get; } = [];

        public int MostRunning => _all.Most;

        public int MostRunningOf(string group) => _groups.TryGetValue(group, out var counter) ? counter.Most : 0;

        public IDisposable Run(string queue, string? group)
        {
            Starts.Add((queue, System.Diagnostics.Stopwatch.GetTimestamp()));
            var counters = group is null ? [_all] : new[] { _all, _groups.GetOrAdd(group, _ => new Counter()) };
            foreach (var counter in counters)
            {
                counter.Start();
            }

            return new Ended(() => Array.ForEach(counters, c => c.End()));
        }

        private sealed class Counter
        {
            private int _running;
            private int _most;

            public int Most => Volatile.Read(ref _most);

            public void Start()
            {
                var running = Interlocked.Increment(ref _running);
                int most;
                while (running > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, running, most) != most)
                {
                }
            }

            public void End() => Interlocked.Decrement(ref _running);
        }

        private sealed class Ended(Action end) : IDisposable
        {
            public void Dispose() => end();
        }
    }

    /// <summary>Logs its run, then sleeps <c>sleep_ms</c>.</summary>
    public sealed class LoggedHandler(RunLog log) : IJobHandler
    {
        public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            using var run = log.Run(job.Queue, (string?)job.Payload?["group"] is { Length: > 0 } group ? group : null);
            await Task.Delay((int?)job.Payload?["sleep_ms"] ?? 0, cancellationToken);
            return null;
        }
    }
}
