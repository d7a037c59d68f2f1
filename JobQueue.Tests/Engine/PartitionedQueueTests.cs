using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>
/// One queue spread over several partitions (Worker:Partitions), against a real redis-server: where jobs land, workers
/// running every one once, listings, controls and figures over all partitions. Each test uses queues of its own.
/// </summary>
public sealed class PartitionedQueueTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..10];
    private readonly ConcurrentDictionary<string, int> _runs = new();

    private string Default => $"default-{_id}";

    private string Queue => $"hot-{_id}";

    [Fact]
    public async Task Jobs_spread_over_every_partition_and_a_worker_reading_the_queue_runs_each_once()
    {
        using var worker = await StartWorkerAsync(partitions: 3);
        await Eventually.WaitAsync(() => Directory().PartitionCountAsync(Queue), n => n == 3, TimeSpan.FromSeconds(10), "the worker to register 3 partitions");
        var store = Store();

        var ids = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            ids.Add((await store.EnqueueAsync(new NewJob("count", "{}", Queue: Queue))).Job.Id);
        }

        var ended = await Task.WhenAll(ids.Select(id => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(30))));

        Assert.All(ended, job => Assert.Equal((JobStatus.Done, Queue), (job.Status, job.Queue)));
        Assert.Equal(300, _runs.Count);
        Assert.All(_runs.Values, runs => Assert.Equal(1, runs));
        var perPartition = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Db.HashGetAsync(Keys(i).Stats, "done")));
        TestReport.Add($"300 jobs over 3 partitions: {string.Join(" / ", perPartition)} done in each");
        Assert.All(perPartition, done => Assert.InRange((long)done, 60, 140)); // 100 expected; a binomial's 4.9 sd either side
    }

    [Fact]
    public async Task Pausing_counting_and_listing_a_queue_a_moment_after_a_pool_spread_it_reach_every_partition()
    {
        var directory = Directory();
        var (store, controls, inspector) = (Store(directory), new QueueControls(server.Redis, directory), new QueueInspector(server.Redis, directory));
        await directory.RegisterAsync(Queue);
        await Db.SetAddAsync(Keys(0).Types, "count");
        // The API has read the queue's figures and taken a job: its registry reads are fresh.
        await inspector.StatsAsync(Queue);
        await store.EnqueueAsync(new NewJob("count", "{}", Queue: Queue));

        // A pool starts with the queue spread over 3 partitions, and a job lands in the last one.
        await directory.RegisterAsync(Queue, 3);
        await Db.SetAddAsync(Keys(2).Types, "count");
        var spread = await Store().EnqueueAsync(new NewJob("count", "{}", Queue: Queue, Group: Enumerable.Range(0, 100).Select(i => $"g{i}").First(g => QueuePartitions.ForKey(g, 3) == 2)));
        await controls.PauseAsync(Queue);

        Assert.All(await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Db.HashExistsAsync(Keys(i).Controls, "paused"))), Assert.True);
        Assert.Equal(2, (await inspector.StatsAsync(Queue)).StreamLength);
        Assert.Contains(spread.Job.Id, (await store.ListAsync(new JobFilter(), 50, cursor: null, Queue)).Jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task A_group_and_an_idempotency_key_each_keep_to_one_partition_and_a_dependant_joins_its_dependency()
    {
        var store = await StoreWithPartitionsAsync(3);

        var grouped = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => store.EnqueueAsync(new NewJob("count", "{}", Queue: Queue, Group: "tenant-7"))));
        var partitionsOfGroup = await Task.WhenAll(grouped.Select(r => PartitionOfAsync(r.Job.Id)));
        Assert.Single(partitionsOfGroup.Distinct());

        var first = await store.EnqueueAsync(new NewJob("count", "{}", IdempotencyKey: "order-1", Queue: Queue));
        var repeats = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => store.EnqueueAsync(new NewJob("count", "{}", IdempotencyKey: "order-1", Queue: Queue))));
        Assert.All(repeats, repeat => Assert.Equal((first.Job.Id, true), (repeat.Job.Id, repeat.Replayed)));

        var parents = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => store.EnqueueAsync(new NewJob("count", "{}", Queue: Queue))));
        foreach (var parent in parents)
        {
            var child = await store.EnqueueAsync(new NewJob("count", "{}", Queue: Queue, DependsOn: [JobDependency.On(parent.Job.Id)]));
            Assert.Equal((JobStatus.Waiting, await PartitionOfAsync(parent.Job.Id)), (child.Job.Status, await PartitionOfAsync(child.Job.Id)));
        }

        // A batch goes whole to one partition: jobs pinned to two cannot share one.
        var (a, b) = (Enumerable.Range(0, 100).Select(i => $"g{i}").First(g => QueuePartitions.ForKey(g, 3) == 0),
            Enumerable.Range(0, 100).Select(i => $"g{i}").First(g => QueuePartitions.ForKey(g, 3) == 1));
        var keysBefore = await QueueKeyNames.OfAsync(server.Redis, Queue);
        var refused = await Assert.ThrowsAsync<PartitionedQueueException>(() =>
            store.EnqueueManyAsync([new NewJob("count", "{}", Queue: Queue, Group: a), new NewJob("count", "{}", Queue: Queue, Group: b)]));
        Assert.Contains("separate batches", refused.Message);
        Assert.Equal(keysBefore, await QueueKeyNames.OfAsync(server.Redis, Queue));
    }

    [Fact]
    public async Task Listing_a_partitioned_queue_pages_through_every_job_once_newest_first_with_or_without_a_filter()
    {
        var store = await StoreWithPartitionsAsync(3);
        var all = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            all.Add((await store.EnqueueAsync(new NewJob(i % 10 == 0 ? "rare" : "count", "{}", Queue: Queue))).Job.Id);
        }

        foreach (var (filter, expected) in new[] { (JobFilter.None, all), (new JobFilter(Type: "rare"), all.Where((_, i) => i % 10 == 0).ToList()) })
        {
            var (seen, pages, cursor) = (new List<JobRecord>(), 0, (string?)null);
            do
            {
                (var page, cursor) = await store.ListAsync(filter, 40, cursor, Queue);
                Assert.InRange(page.Count, 0, 40);
                seen.AddRange(page);
                pages++;
            }
            while (cursor is not null && pages < 100);

            Assert.Equal(expected.Order(), seen.Select(j => j.Id).Order());
            Assert.Equal(seen.Select(j => j.CreatedAt).OrderDescending(), seen.Select(j => j.CreatedAt));
        }
    }

    [Fact]
    public async Task Pausing_pauses_every_partition_limits_are_shared_among_them_and_the_figures_add_up()
    {
        var store = await StoreWithPartitionsAsync(3);
        var controls = new QueueControls(server.Redis, Directory());
        var inspector = new QueueInspector(server.Redis, Directory());
        for (var i = 0; i < 90; i++)
        {
            await store.EnqueueAsync(new NewJob("count", "{}", Queue: Queue));
        }

        await controls.PauseAsync(Queue);
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Db.HashGetAsync(Keys(i).Controls, "paused"))), paused => Assert.Equal(1, (int)paused));

        await controls.SetLimitsAsync(Queue, new QueueLimits(Concurrency: 10, RateMax: 100, RatePeriod: TimeSpan.FromSeconds(1), GroupConcurrency: 2));
        var shares = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Db.HashGetAsync(Keys(i).Controls, ["concurrency", "rate_max", "group_concurrency"])));
        Assert.Equal(["4 34 2", "3 33 2", "3 33 2"], shares.Select(s => string.Join(' ', s)));
        await Assert.ThrowsAsync<PartitionedQueueException>(() => controls.SetLimitsAsync(Queue, new QueueLimits(Concurrency: 2)));

        var stats = await inspector.StatsAsync(Queue);
        Assert.Equal((Queue, 90L, true, 10, 100), (stats.Name, stats.Waiting, stats.Paused, stats.Limits.Concurrency, stats.Limits.RateMax));
        Assert.Equal([Default, Queue], await Directory().NamesAsync()); // partitions are not queues of their own

        await controls.ResumeAsync(Queue);
        Assert.False((await inspector.StatsAsync(Queue)).Paused);
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Db.HashExistsAsync(Keys(i).Controls, "paused"))), Assert.False);
    }

    [Fact]
    public void A_partition_name_is_recognised_only_in_its_own_spelling()
    {
        Assert.Equal(("emails~2", "emails", 2), (QueuePartitions.NameOf("emails", 2), QueuePartitions.QueueOf("emails~2"), QueuePartitions.IndexOf("emails~2")));
        Assert.Equal("emails", QueuePartitions.NameOf("emails", 0));
        Assert.True(QueuePartitions.IsPartitionName("emails~63"));
        Assert.All(new[] { "emails", "emails~0", "emails~01", "emails~64", "emails~", "~1", "Emails~1", "emails~1~2", "emails~-1" },
            name => Assert.False(QueuePartitions.IsPartitionName(name), name));
        Assert.False(QueueName.IsValid("emails~1")); // so no queue a user names is a partition
    }

    private IDatabase Db => server.Redis.GetDatabase();

    private QueueKeys Keys(int partition) => new(QueuePartitions.NameOf(Queue, partition));

    private async Task<int> PartitionOfAsync(string jobId) =>
        QueuePartitions.IndexOf((await Directory().LocateAsync(jobId))!.Name);

    private QueueDirectory Directory() => new(server.Redis, Options.Create(new QueueOptions { Name = Default }));

    private JobStore Store(QueueDirectory? directory = null) => new(server.Redis, directory ?? Directory(), Options.Create(new QueueOptions { Name = Default }));

    /// <summary>A store whose queue is registered with its partitions and their job type, as its pool does when it starts.</summary>
    private async Task<JobStore> StoreWithPartitionsAsync(int partitions)
    {
        await Directory().RegisterAsync(Queue, partitions);
        foreach (var i in Enumerable.Range(0, partitions))
        {
            await Db.SetAddAsync(Keys(i).Types, ["count", "rare"]);
        }

        return Store();
    }

    private Task<Microsoft.Extensions.Hosting.IHost> StartWorkerAsync(int partitions) =>
        InProcessWorker.StartAsync(server, Default, worker => worker.AddHandler<CountingHandler>("count"),
            services => services.AddSingleton(_runs),
            new Dictionary<string, string?> { [$"Worker:Queues:{Queue}"] = "1", [$"Worker:Partitions:{Queue}"] = partitions.ToString() });

    /// <summary>Counts each job's runs.</summary>
    public sealed class CountingHandler(ConcurrentDictionary<string, int> runs) : IJobHandler
    {
        public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            runs.AddOrUpdate(job.JobId, 1, (_, n) => n + 1);
            return Task.FromResult<JsonNode?>(null);
        }
    }
}
