using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using JobQueue.Processing;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Tests.Engine;

/// <summary>Retry policies set where a handler is registered and on a job, run by a real worker against a real redis-server.</summary>
public sealed class RetryPolicyTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private static readonly JobPolicy Flaky = new(4, Backoff.Exponential(TimeSpan.FromMilliseconds(200), maxDelay: TimeSpan.FromSeconds(1)));

    /// <summary>
    /// Slack on top of a back-off before the next attempt starts: the forwarder's tick, the read, and a 2-core machine
    /// running the whole suite (700 ms seen under CI). The lower bound is the property (never before the back-off);
    /// the upper one only catches a grossly wrong delay. The jitter's exact bounds are proven without a clock in
    /// <see cref="AttemptDecisionTests"/>.
    /// </summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    private readonly string _queue = "retry-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_handlers_exponential_back_off_spaces_its_attempts_within_the_jitter_bounds_until_one_succeeds()
    {
        using var host = await StartAsync();
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync("flaky", """{"fail_runs": 3}""")).Job;

        var done = await InProcessWorker.WaitForEndAsync(store, job.Id);
        Assert.Equal((JobStatus.Done, 4), (done.Status, done.Attempts));
        var starts = host.Services.GetRequiredService<AttemptLog>().Starts[job.Id];
        Assert.Equal(4, starts.Count);
        for (var failed = 1; failed <= 3; failed++)
        {
            var full = TimeSpan.FromMilliseconds(Math.Min(1000, 200 * Math.Pow(2, failed - 1)));
            Assert.InRange(starts[failed] - starts[failed - 1], full / 2, full + Slack);
        }
    }

    [Fact]
    public async Task A_jobs_own_max_attempts_wins_over_its_handlers()
    {
        using var host = await StartAsync();
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync("flaky", """{"fail_runs": 3}""", policy: new JobPolicy(MaxAttempts: 1))).Job;

        var failed = await InProcessWorker.WaitForEndAsync(store, job.Id);
        Assert.Equal((JobStatus.Failed, 1), (failed.Status, failed.Attempts));
        Assert.Single(host.Services.GetRequiredService<AttemptLog>().Starts[job.Id]);
    }

    [Fact]
    public async Task A_jobs_own_timeout_cuts_its_attempt_short()
    {
        using var host = await StartAsync();
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync("flaky", """{"sleep_ms": 10000}""",
            policy: new JobPolicy(MaxAttempts: 1, Timeout: TimeSpan.FromMilliseconds(300)))).Job;

        var failed = await InProcessWorker.WaitForEndAsync(store, job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("timed out after 00:00:00.3000000", failed.LastError);
    }

    [Fact]
    public void A_handler_registered_with_a_policy_out_of_bounds_is_refused()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = server.ConnectionString;

        var refused = Assert.Throws<ArgumentException>(() => builder.AddJobWorker().AddHandler<FlakyHandler>("flaky", new JobPolicy(MaxAttempts: 30)));
        Assert.Contains("max_attempts is from 1 to 25", refused.Message);
    }

    private Task<IHost> StartAsync() => InProcessWorker.StartAsync(server, _queue,
        worker => worker.AddHandler<FlakyHandler>("flaky", Flaky), services => services.AddSingleton<AttemptLog>());

    /// <summary>When each attempt of each job started.</summary>
    public sealed class AttemptLog
    {
        public ConcurrentDictionary<string, List<DateTimeOffset>> Starts { get; } = new();
    }

    /// <summary>Fails its first <c>fail_runs</c> runs, or sleeps <c>sleep_ms</c>; logs when each attempt starts.</summary>
    public sealed class FlakyHandler(AttemptLog log) : IJobHandler
    {
        public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            var starts = log.Starts.GetOrAdd(job.JobId, _ => []);
            lock (starts)
            {
                starts.Add(DateTimeOffset.UtcNow);
            }

            await Task.Delay((int?)job.Payload?["sleep_ms"] ?? 0, cancellationToken);
            return job.Run <= ((int?)job.Payload?["fail_runs"] ?? 0)
                ? throw new InvalidOperationException($"run {job.Run} fails on purpose")
                : new JsonObject { ["attempt"] = job.Attempt };
        }
    }
}
