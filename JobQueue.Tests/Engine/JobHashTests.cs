using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobQueue.Tests.Engine;

/// <summary>
/// <see cref="JobHash"/> is the one place C# names a job hash's fields: jobs driven through every transition the
/// scripts make (queued, scheduled, waiting on a dependency, retried, progress, done, failed into a dead letter, canceled,
/// retried from failed) hold no field it does not name, and read back whole through it.
/// </summary>
public sealed class JobHashTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _queue = "hash-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Every_field_a_script_writes_to_a_job_is_one_JobHash_names_and_reads()
    {
        using var host = await InProcessWorker.StartAsync(server, _queue, worker => worker
            .AddHandler<AttemptHistoryTests.FailsFirstRunHandler>("flaky")
            .AddHandler<ReportsProgressHandler>("reports")
            .AddHandler<AlwaysFailsHandler>("doomed"));
        var store = host.Services.GetRequiredService<JobStore>();

        var flows = await store.EnqueueManyAsync([
            new NewJob("flaky", "{}", Policy: new JobPolicy(MaxAttempts: 3, Backoff: Backoff.Fixed(TimeSpan.FromMilliseconds(100)), Timeout: TimeSpan.FromSeconds(5)),
                Group: "tenant-1", Owner: "device-1"),
            new NewJob("reports", "{}", DependsOn: [JobDependency.OnBatchJob(0)]),
        ]);
        var doomed = (await store.EnqueueAsync(new NewJob("doomed", "{}", Policy: new JobPolicy(MaxAttempts: 1)))).Job;
        var canceled = (await store.EnqueueAsync(new NewJob("reports", "{}", RunAt: DateTimeOffset.UtcNow.AddHours(1)))).Job;
        await store.CancelAsync(canceled.Id);
        var ended = await Task.WhenAll(flows.Select(f => InProcessWorker.WaitForEndAsync(store, f.Job.Id)).Append(InProcessWorker.WaitForEndAsync(store, doomed.Id)));
        await store.RetryAsync(doomed.Id);
        var retried = await InProcessWorker.WaitForEndAsync(store, doomed.Id);

        Assert.Equal([JobStatus.Done, JobStatus.Done, JobStatus.Failed], ended.Select(j => j.Status));
        Assert.Equal(JobStatus.Failed, retried.Status);
        var keys = new QueueKeys(_queue);
        foreach (var id in new[] { flows[0].Job.Id, flows[1].Job.Id, doomed.Id, canceled.Id })
        {
            var fields = (await server.Redis.GetDatabase().HashGetAllAsync(keys.Job(id))).Select(f => f.Name.ToString()).ToList();
            Assert.NotEmpty(fields);
            Assert.All(fields, field => Assert.True(JobHash.Fields.Contains(field)
                || field.StartsWith(JobHash.AttemptStartPrefix, StringComparison.Ordinal) || field.StartsWith(JobHash.AttemptEndPrefix, StringComparison.Ordinal),
                $"job {id} has field '{field}', which JobHash does not name"));
        }

        // What the fields hold comes back through JobHash: the policy, group, owner, progress, result and links.
        var (flaky, reports) = (await store.GetRequiredAsync(flows[0].Job.Id), await store.GetRequiredAsync(flows[1].Job.Id));
        Assert.Equal((3, Backoff.Fixed(TimeSpan.FromMilliseconds(100)), TimeSpan.FromSeconds(5)), (flaky.Policy!.MaxAttempts, flaky.Policy.Backoff, flaky.Policy.Timeout));
        Assert.Equal(("tenant-1", "device-1", 2, 1, """{"run":2}"""), (flaky.Group, flaky.Owner, flaky.Attempts, flaky.DependantCount, flaky.ResultJson));
        Assert.Equal((flaky.Id, 0, """{"step":1}"""), (reports.DependsOn!.Single().JobId, reports.DependenciesPending, reports.ProgressJson));
        Assert.Equal(JobStatus.Canceled, (await store.GetRequiredAsync(canceled.Id)).Status);
        var owned = Assert.Single(await store.LatestOwnerJobsAsync("device-1"));
        Assert.Equal((flaky.Id, JobStatus.Done, flaky.Version, """{"run":2}"""), (owned.JobId, owned.Status, owned.Version, owned.ResultJson));
    }

    public sealed class ReportsProgressHandler : IJobHandler
    {
        public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            await job.ReportProgressAsync(new JsonObject { ["step"] = 1 });
            return null;
        }
    }

    public sealed class AlwaysFailsHandler : IJobHandler
    {
        public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("fails on purpose");
    }
}
