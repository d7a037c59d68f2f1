using System.Diagnostics;
using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Engine;

/// <summary>The worker engine in process on a real Redis Cluster: one worker reading queues that live on different masters.</summary>
public sealed class ClusterWorkerTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task One_worker_reading_queues_on_two_masters_wakes_for_a_job_of_either_within_a_moment()
    {
        // "a" and "b" hash to slots 15495 and 3300: the last and the first master of three.
        var (first, second) = ("a", "b");
        Assert.NotEqual(cluster.Redis.GetServer((StackExchange.Redis.RedisKey)$"{{{first}}}:stream").EndPoint.ToString(), cluster.Redis.GetServer((StackExchange.Redis.RedisKey)$"{{{second}}}:stream").EndPoint.ToString());
        using var host = await InProcessWorker.StartAsync(cluster, first, worker => worker.AddHandler<StampHandler>("stamp"),
            settings: new Dictionary<string, string?> { [$"Worker:Queues:{first}"] = "1", [$"Worker:Queues:{second}"] = "1" });
        var options = Options.Create(new QueueOptions { Name = first });
        var store = new JobStore(cluster.Redis, new QueueDirectory(cluster.Redis, options), options);
        await Task.Delay(500); // the worker is idle, waiting on both streams

        foreach (var queue in new[] { second, first, second })
        {
            var clock = Stopwatch.StartNew();
            var job = (await store.EnqueueAsync(new NewJob("stamp", "{}", Queue: queue))).Job;
            var ended = await InProcessWorker.WaitForEndAsync(store, job.Id);
            Assert.Equal(JobStatus.Done, ended.Status);
            // Far less than the 200 ms blocking read: the worker polls streams of several slots every 50 ms.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"a job of queue {queue} took {clock.Elapsed.TotalMilliseconds:F0} ms");
        }
    }

    [Fact]
    public async Task A_queue_of_three_partitions_uses_all_three_masters_and_its_jobs_all_run()
    {
        // Each partition is a hash tag of its own, placed by its slot: this name's three land on the three masters.
        var queue = Enumerable.Range(0, 1000).Select(i => $"hot{i}").First(name =>
            Enumerable.Range(0, 3).Select(p => MasterOf(QueuePartitions.NameOf(name, p))).Distinct().Count() == 3);
        using var host = await InProcessWorker.StartAsync(cluster, "default", worker => worker.AddHandler<StampHandler>("stamp"),
            settings: new Dictionary<string, string?> { [$"Worker:Queues:{queue}"] = "1", [$"Worker:Partitions:{queue}"] = "3" });
        var options = Options.Create(new QueueOptions { Name = "default" });
        var directory = new QueueDirectory(cluster.Redis, options);
        await Eventually.WaitAsync(() => directory.PartitionCountAsync(queue), n => n == 3, TimeSpan.FromSeconds(10), "the worker to register 3 partitions");
        var store = new JobStore(cluster.Redis, directory, options);

        var jobs = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => store.EnqueueAsync(new NewJob("stamp", "{}", Queue: queue))));
        var ended = await Task.WhenAll(jobs.Select(j => InProcessWorker.WaitForEndAsync(store, j.Job.Id, TimeSpan.FromSeconds(30))));

        Assert.All(ended, job => Assert.Equal(JobStatus.Done, job.Status));
        var done = await Task.WhenAll(Enumerable.Range(0, 3).Select(p =>
            cluster.Redis.GetDatabase().HashGetAsync(new JobQueue.Redis.QueueKeys(QueuePartitions.NameOf(queue, p)).Stats, "done")));
        TestReport.Add($"Queue {queue} over 3 partitions on 3 masters: {string.Join(" / ", done)} of 300 jobs done on each");
        Assert.All(done, d => Assert.InRange((long)d, 60, 140));
        Assert.Equal(300, (await store.ListAsync(JobFilter.None, 500, null, queue)).Jobs.Count);
    }

    private string MasterOf(string queue) => cluster.Redis.GetServer((StackExchange.Redis.RedisKey)$"{{{queue}}}:stream").EndPoint.ToString()!;

    public sealed class StampHandler : IJobHandler
    {
        public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken) => Task.FromResult<JsonNode?>(new JsonObject { ["ok"] = true });
    }
}
