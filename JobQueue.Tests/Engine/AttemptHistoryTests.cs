using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Engine;

/// <summary>
/// A real worker in process against a real redis-server: the attempts its scripts record, each naming the worker that ran
/// it by its registration, which is all a page mounted in any app needs (no telemetry store, no process table).
/// </summary>
public sealed class AttemptHistoryTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _queue = "history-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_job_that_fails_once_then_succeeds_has_two_attempts_each_naming_the_worker_that_ran_it()
    {
        using var host = await InProcessWorker.StartAsync(server, _queue, worker => worker.AddHandler<FailsFirstRunHandler>("flaky"),
            settings: new Dictionary<string, string?>
            {
                // What an AppHost gives a replica of its "billing-workers" resource (percent-encoded, as the spec allows).
                ["OTEL_SERVICE_NAME"] = "billing-workers",
                ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=test,service.instance.id=billing%2Dworkers-7",
            });
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync("flaky", "{}")).Job;
        var done = await InProcessWorker.WaitForEndAsync(store, job.Id);
        var attempts = await store.AttemptsAsync(job.Id);

        Assert.Equal((JobStatus.Done, 2), (done.Status, done.Attempts));
        Assert.Equal([(1, 1, JobAttempt.Retrying), (2, 2, JobAttempt.Succeeded)], attempts.Select(a => (a.Attempt, a.Run, a.Outcome)));
        Assert.Equal("InvalidOperationException: run 1 fails on purpose", attempts[0].Error);
        Assert.Null(attempts[1].Error);
        Assert.True(attempts[0].StartedAt <= attempts[0].EndedAt && attempts[0].EndedAt <= attempts[1].StartedAt);
        Assert.Equal((done.StartedAt, done.FinishedAt), (attempts[1].StartedAt, attempts[1].EndedAt));
        var traceId = await host.Services.GetRequiredService<QueueInspector>().TraceIdOfAsync(job.Id);
        Assert.NotNull(traceId);
        foreach (var attempt in attempts)
        {
            Assert.Equal(traceId, attempt.TraceId);
            var worker = Assert.IsType<WorkerRegistration>(attempt.Worker);
            Assert.Equal((attempt.Consumer, "billing-workers", "billing-workers-7", Environment.MachineName, Environment.ProcessId, false),
                (worker.Consumer, worker.Pool, worker.Instance, worker.Host, worker.ProcessId, worker.Stopped));
            Assert.Equal([_queue], worker.Queues);
        }
    }

    [Fact]
    public async Task WorkersAsync_lists_a_running_worker_with_its_queues_and_a_recent_last_seen_and_keeps_it_marked_stopped()
    {
        var emails = _queue + "-emails";
        var host = await InProcessWorker.StartAsync(server, _queue, worker => worker.AddHandler<FailsFirstRunHandler>("flaky"),
            settings: new Dictionary<string, string?>
            {
                [$"Worker:Queues:{_queue}"] = "1",
                [$"Worker:Queues:{emails}"] = "2",
                ["Worker:Pool"] = "mailers", // wins over the service's name
                ["OTEL_SERVICE_NAME"] = "billing-workers",
                ["OTEL_RESOURCE_ATTRIBUTES"] = "",
            });
        // Read as a page in another app would, on a connection of its own: it outlives the worker's host.
        var inspector = new QueueInspector(server.Redis, new QueueDirectory(server.Redis, Options.Create(new QueueOptions { Name = _queue })));

        // Both queues' registries: the second is listed once the worker has registered that queue for the API.
        var running = Assert.Single(await Eventually.WaitAsync(inspector.WorkersAsync,
            workers => workers.Count == 1 && workers[0].Queues.Count == 2, TimeSpan.FromSeconds(10), "the worker to register"));
        var now = await server.Redis.GetDatabase().NowAsync();
        var consumer = $"{Environment.MachineName}-{Environment.ProcessId}";
        Assert.Equal((consumer, "mailers", consumer, Environment.MachineName, Environment.ProcessId, false),
            (running.Consumer, running.Pool, running.Instance, running.Host, running.ProcessId, running.Stopped));
        Assert.Equal([_queue, emails], running.Queues.Order());
        Assert.InRange(running.LastSeenAt, now.AddSeconds(-10), now);
        Assert.True(running.StartedAt <= DateTimeOffset.UtcNow);

        await host.StopAsync();
        host.Dispose();

        var stopped = Assert.Single(await inspector.WorkersAsync());
        Assert.True(stopped.Stopped);
        Assert.True(stopped.LastSeenAt >= running.LastSeenAt);
        Assert.Equal(running with { LastSeenAt = stopped.LastSeenAt, Queues = stopped.Queues, Stopped = true }, stopped);
    }

    /// <summary>Fails the job's first run, succeeds on any later one.</summary>
    public sealed class FailsFirstRunHandler : IJobHandler
    {
        public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken) =>
            job.Run == 1 ? throw new InvalidOperationException("run 1 fails on purpose") : Task.FromResult<JsonNode?>(new JsonObject { ["run"] = job.Run });
    }
}
