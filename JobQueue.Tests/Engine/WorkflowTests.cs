using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>
/// Jobs that wait for other jobs, submitted from .NET as a team does in its own app (an in-process worker against a
/// real redis-server): flows, diamonds, what a failed or canceled dependency does to its dependants, retries.
/// </summary>
public sealed class WorkflowTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _queue = "flow-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_parent_submitted_with_100_children_runs_once_after_the_last_child_and_reads_all_100_results()
    {
        using var host = await StartWorkerAsync();
        var (store, log) = (Store(host), Log(host));

        var children = Enumerable.Range(0, 100).Select(n => Step(n, sleepMs: n % 10)).ToList();
        var parent = new NewJob("gather", "{}", DependsOn: [.. Enumerable.Range(0, 100).Select(i => JobDependency.OnBatchJob(i))]);
        var submitted = await store.EnqueueManyAsync([.. children, parent]);

        Assert.Equal(JobStatus.Waiting, submitted[100].Job.Status);
        var done = await WaitForEndAsync(store, submitted[100].Job.Id);
        Assert.Equal(JobStatus.Done, done.Status);
        Assert.Equal("""{"count":100,"sum":4950}""", done.ResultJson);
        var parentRuns = log.RunsOf(done.Id);
        Assert.Single(parentRuns);
        var lastChildEnd = (await Task.WhenAll(submitted.Take(100).Select(r => store.GetRequiredAsync(r.Job.Id)))).Max(c => c.FinishedAt!.Value);
        Assert.True(done.StartedAt >= lastChildEnd, $"the parent started at {done.StartedAt:O}, before its last child ended at {lastChildEnd:O}");
    }

    [Fact]
    public async Task A_diamond_runs_each_branch_after_the_root_and_the_join_once_after_both_branches()
    {
        using var host = await StartWorkerAsync();
        var store = Store(host);

        var jobs = await store.EnqueueManyAsync([
            Step(1, sleepMs: 50),
            Step(2, dependsOn: [JobDependency.OnBatchJob(0)]),
            Step(3, sleepMs: 30, dependsOn: [JobDependency.OnBatchJob(0)]),
            new NewJob("gather", "{}", DependsOn: [JobDependency.OnBatchJob(1), JobDependency.OnBatchJob(2)]),
        ]);

        var join = await WaitForEndAsync(store, jobs[3].Job.Id);
        var (root, left, right) = (await store.GetRequiredAsync(jobs[0].Job.Id), await store.GetRequiredAsync(jobs[1].Job.Id), await store.GetRequiredAsync(jobs[2].Job.Id));
        Assert.Equal("""{"count":2,"sum":5}""", join.ResultJson);
        Assert.True(left.StartedAt >= root.FinishedAt && right.StartedAt >= root.FinishedAt);
        Assert.True(join.StartedAt >= left.FinishedAt && join.StartedAt >= right.FinishedAt);
        Assert.Single(Log(host).RunsOf(join.Id));
    }

    [Theory]
    [InlineData("failed")]
    [InlineData("canceled")]
    public async Task A_dependency_that_ends_failed_or_canceled_fails_cancels_or_lets_run_each_dependant_by_its_policy(string ending)
    {
        using var host = await StartWorkerAsync();
        var store = Store(host);
        var dependency = ending == "failed" ? Step(0, fail: true) : Step(0) with { RunAt = DateTimeOffset.UtcNow.AddHours(1) };

        var jobs = await store.EnqueueManyAsync([
            dependency,
            Step(1),
            Step(2, dependsOn: [JobDependency.OnBatchJob(0)]),
            Step(3, dependsOn: [JobDependency.OnBatchJob(0, DependencyFailure.Cancel)]),
            new NewJob("gather", "{}", DependsOn: [JobDependency.OnBatchJob(0, DependencyFailure.Continue), JobDependency.OnBatchJob(1)]),
            Step(5, dependsOn: [JobDependency.OnBatchJob(2)]), // waits for the one that fails with its dependency
        ]);
        if (ending == "canceled")
        {
            await store.CancelAsync(jobs[0].Job.Id);
        }

        var ended = new List<JobRecord>();
        foreach (var job in jobs.Skip(2))
        {
            ended.Add(await WaitForEndAsync(store, job.Job.Id));
        }

        Assert.Equal((JobStatus.Failed, jobs[0].Job.Id), (ended[0].Status, ended[0].SettledBy));
        Assert.Equal($"dependency {jobs[0].Job.Id} ended {ending}", ended[0].LastError);
        Assert.Equal((JobStatus.Canceled, jobs[0].Job.Id), (ended[1].Status, ended[1].SettledBy));
        Assert.Equal((JobStatus.Done, """{"count":1,"sum":1}"""), (ended[2].Status, ended[2].ResultJson));
        Assert.Equal((JobStatus.Failed, jobs[2].Job.Id), (ended[3].Status, ended[3].SettledBy));
        Assert.Empty(Log(host).RunsOf(ended[0].Id).Concat(Log(host).RunsOf(ended[1].Id)).Concat(Log(host).RunsOf(ended[3].Id)));
    }

    [Fact]
    public async Task Retrying_a_dependency_that_failed_for_good_brings_back_the_dependants_it_failed_and_they_run_once_it_succeeds()
    {
        using var host = await StartWorkerAsync();
        var (store, log) = (Store(host), Log(host));
        log.Failing.Add(0);

        var jobs = await store.EnqueueManyAsync([
            Step(0),
            Step(1),
            new NewJob("gather", "{}", DependsOn: [JobDependency.OnBatchJob(0), JobDependency.OnBatchJob(1)]),
            Step(3, dependsOn: [JobDependency.OnBatchJob(2)]),
        ]);
        Assert.Equal(JobStatus.Failed, (await WaitForEndAsync(store, jobs[3].Job.Id)).Status);
        Assert.Equal(JobStatus.Done, (await WaitForEndAsync(store, jobs[1].Job.Id)).Status);
        var deadLetters = await new QueueInspector(server.Redis, Directory()).DeadLettersAsync(10, null, _queue);
        Assert.Equal(3, deadLetters.Letters.Count);

        log.Failing.Clear();
        await store.RetryAsync(jobs[0].Job.Id);

        var gather = await WaitForEndAsync(store, jobs[2].Job.Id);
        Assert.Equal((JobStatus.Done, """{"count":2,"sum":1}"""), (gather.Status, gather.ResultJson));
        Assert.Equal(JobStatus.Done, (await WaitForEndAsync(store, jobs[3].Job.Id)).Status);
        Assert.Empty((await new QueueInspector(server.Redis, Directory()).DeadLettersAsync(10, null, _queue)).Letters);
    }

    [Fact]
    public async Task A_dependency_that_fails_an_attempt_and_succeeds_on_its_retry_releases_its_dependant_only_then()
    {
        using var host = await StartWorkerAsync();
        var (store, log) = (Store(host), Log(host));
        log.FailFirstAttempt.Add(0);

        var jobs = await store.EnqueueManyAsync([
            Step(0) with { Policy = new JobPolicy(MaxAttempts: 2) },
            Step(1, dependsOn: [JobDependency.OnBatchJob(0)]),
        ]);

        var dependant = await WaitForEndAsync(store, jobs[1].Job.Id);
        var dependency = await store.GetRequiredAsync(jobs[0].Job.Id);
        Assert.Equal((JobStatus.Done, 2), (dependency.Status, dependency.Attempts));
        Assert.Equal(JobStatus.Done, dependant.Status);
        Assert.True(dependant.StartedAt >= dependency.FinishedAt);
    }

    [Fact]
    public async Task A_job_may_wait_for_jobs_submitted_earlier_and_one_already_done_counts_at_once_with_its_result()
    {
        using var host = await StartWorkerAsync();
        var store = Store(host);
        var earlier = (await store.EnqueueAsync(Step(7))).Job;
        await WaitForEndAsync(store, earlier.Id);
        var running = (await store.EnqueueAsync(Step(8, sleepMs: 300))).Job;

        var gather = (await store.EnqueueAsync(new NewJob("gather", "{}", DependsOn: [JobDependency.On(earlier.Id), JobDependency.On(running.Id)]))).Job;

        Assert.Equal(JobStatus.Waiting, gather.Status);
        Assert.Equal((JobStatus.Done, """{"count":2,"sum":15}"""), ((await WaitForEndAsync(store, gather.Id)).Status, (await store.GetRequiredAsync(gather.Id)).ResultJson));
        var links = await store.LinksAsync(await store.GetRequiredAsync(earlier.Id));
        Assert.Equal([(gather.Id, (string?)JobStatus.Done)], links.Dependants.Select(d => (d.Id, d.Status)));
    }

    [Fact]
    public async Task A_dependant_given_a_later_run_at_is_scheduled_when_its_dependency_ends_and_runs_no_sooner_than_its_time()
    {
        using var host = await StartWorkerAsync();
        var store = Store(host);
        var runAt = DateTimeOffset.UtcNow.AddSeconds(2);

        var jobs = await store.EnqueueManyAsync([Step(0), Step(1, dependsOn: [JobDependency.OnBatchJob(0)]) with { RunAt = runAt }]);

        await WaitForEndAsync(store, jobs[0].Job.Id);
        Assert.Equal(JobStatus.Scheduled, (await store.GetRequiredAsync(jobs[1].Job.Id)).Status);
        var dependant = await WaitForEndAsync(store, jobs[1].Job.Id);
        Assert.Equal(JobStatus.Done, dependant.Status);
        Assert.True(dependant.StartedAt >= runAt.AddMilliseconds(-5), $"started at {dependant.StartedAt:O}, before its run_at {runAt:O}");
    }

    [Fact]
    public async Task A_dependency_that_ends_after_its_dependant_was_canceled_leaves_no_key_that_never_expires()
    {
        using var host = await StartWorkerAsync();
        var store = Store(host);
        var keys = new QueueKeys(_queue);
        var jobs = await store.EnqueueManyAsync([Step(0, sleepMs: 300), Step(1, dependsOn: [JobDependency.OnBatchJob(0)])]);

        await store.CancelAsync(jobs[1].Job.Id);
        await WaitForEndAsync(store, jobs[0].Job.Id);

        Assert.False(await server.Redis.GetDatabase().KeyExistsAsync(keys.DependencyResults(jobs[1].Job.Id)));
        Assert.InRange((await server.Redis.GetDatabase().KeyTimeToLiveAsync(keys.Dependants(jobs[0].Job.Id)))!.Value, TimeSpan.FromHours(1), TimeSpan.FromDays(1));
    }

    [Fact]
    public async Task A_cycle_an_unknown_job_or_a_job_of_another_queue_is_refused_and_nothing_is_written()
    {
        using var host = await StartWorkerAsync();
        var store = Store(host);
        await Directory().RegisterAsync("other-" + _queue); // as its pool does when it starts
        var elsewhere = (await store.EnqueueAsync(Step(9) with { Queue = "other-" + _queue })).Job;
        await WaitForEndAsync(store, elsewhere.Id);
        var before = await QueueKeyNames.OfAsync(server.Redis, _queue, "other-" + _queue);

        var cycle = await Assert.ThrowsAsync<InvalidDependencyException>(() => store.EnqueueManyAsync([
            Step(0, dependsOn: [JobDependency.OnBatchJob(2)]), Step(1, dependsOn: [JobDependency.OnBatchJob(0)]), Step(2, dependsOn: [JobDependency.OnBatchJob(1)])]));
        var unknown = await Assert.ThrowsAsync<InvalidDependencyException>(() => store.EnqueueManyAsync([
            Step(0), Step(1, dependsOn: [JobDependency.OnBatchJob(0), JobDependency.On(Guid.NewGuid().ToString())])]));
        var otherQueue = await Assert.ThrowsAsync<InvalidDependencyException>(() => store.EnqueueAsync(Step(0, dependsOn: [JobDependency.On(elsewhere.Id)])));

        Assert.Contains("cycle: 0 -> 2 -> 1 -> 0", cycle.Message);
        Assert.Contains("is not a job of queue", unknown.Message);
        Assert.Contains("another queue", otherQueue.Message);
        Assert.Equal(before, await QueueKeyNames.OfAsync(server.Redis, _queue, "other-" + _queue));
    }

    private static NewJob Step(int n, int sleepMs = 0, bool fail = false, IReadOnlyList<JobDependency>? dependsOn = null) =>
        new("step", $$"""{"n":{{n}},"sleep_ms":{{sleepMs}},"fail":{{(fail ? "true" : "false")}}}""", DependsOn: dependsOn);

    private Task<IHost> StartWorkerAsync() =>
        InProcessWorker.StartAsync(server, _queue,
            worker => worker.AddHandler<StepHandler>("step").AddHandler<GatherHandler>("gather"),
            services => services.AddSingleton<StepLog>(),
            new Dictionary<string, string?> { ["Worker:Queues:" + _queue] = "1", ["Worker:Queues:other-" + _queue] = "1" });

    private static JobStore Store(IHost host) => host.Services.GetRequiredService<JobStore>();

    private static StepLog Log(IHost host) => host.Services.GetRequiredService<StepLog>();

    private QueueDirectory Directory() =>
        new(server.Redis, Microsoft.Extensions.Options.Options.Create(new QueueOptions { Name = _queue }));

    private static Task<JobRecord> WaitForEndAsync(JobStore store, string id) => InProcessWorker.WaitForEndAsync(store, id, TimeSpan.FromSeconds(30));

    /// <summary>Every run of every job, and which steps (by n) fail now.</summary>
    public sealed class StepLog
    {
        public ConcurrentQueue<string> Runs { get; } = new();

        public ConcurrentBag<int> Failing { get; } = [];

        public ConcurrentBag<int> FailFirstAttempt { get; } = [];

        public IReadOnlyList<string> RunsOf(string jobId) => [.. Runs.Where(id => id == jobId)];
    }

    /// <summary>Returns {"n": n} after sleep_ms; fails for good when told to (by its payload or the log).</summary>
    public sealed class StepHandler(StepLog log) : IJobHandler
    {
        public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            log.Runs.Enqueue(job.JobId);
            var n = job.Payload!["n"]!.GetValue<int>();
            await Task.Delay(job.Payload!["sleep_ms"]!.GetValue<int>(), cancellationToken);
            if (job.Payload!["fail"]!.GetValue<bool>() || log.Failing.Contains(n))
            {
                throw new PermanentJobFailureException($"step {n} fails");
            }

            if (log.FailFirstAttempt.Contains(n) && job.Attempt == 1)
            {
                throw new InvalidOperationException($"step {n} fails its first attempt");
            }

            return new JsonObject { ["n"] = n };
        }
    }

    /// <summary>Sums the n of every dependency result it can read.</summary>
    public sealed class GatherHandler(StepLog log) : IJobHandler
    {
        public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            log.Runs.Enqueue(job.JobId);
            var results = await job.DependencyResultsAsync();
            return new JsonObject { ["count"] = results.Count, ["sum"] = results.Values.Sum(r => r!["n"]!.GetValue<int>()) };
        }
    }
}
