using System.Net.Http.Json;
using JobQueue.Hosting.Autoscaling;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace JobQueue.Tests.Hosting;

/// <summary>
/// A worker pool autoscaled from zero by a real Aspire AppHost (JobQueue.Hosting.Autoscaling: WithReplicas(max),
/// WithExplicitStart, replicas started and stopped with Aspire's resource-start and resource-stop), with real processes:
/// it grows with a burst, drains it, shrinks with SIGTERM (running jobs finish) and goes back to zero; a worker
/// SIGKILLed while it shrinks loses nothing.
/// </summary>
[TakesAbout(55)]
public sealed class AutoscalingTests
{
    private const int MaxReplicas = 3;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_pool_at_zero_scales_up_to_its_bound_for_a_burst_drains_it_and_goes_back_to_zero_losing_nothing()
    {
        await using var app = await LedgerApp.StartAsync(Lease, (_, redis, workers) =>
            // Two jobs at a time per worker, so the burst takes long enough to be seen shrinking while it runs.
            workers.WithEnvironment("Worker__Concurrency", "2")
                .WithAutoscaling(redis, minReplicas: 0, maxReplicas: MaxReplicas, jobsPerReplica: 20,
                    policy => policy with { ScaleDownStabilization = TimeSpan.FromSeconds(3), PollingInterval = TimeSpan.FromMilliseconds(250) }));
        var log = app.App.Services.GetRequiredService<AutoscalerLog>();

        // At zero, the queue is ready for work nobody reads yet: its consumer group exists.
        await Eventually.WaitAsync(() => Task.FromResult(app.Resources.Of(LedgerApp.Worker).Count), n => n == MaxReplicas, Timeout, "the pool's replicas to be known");
        await Eventually.WaitAsync(async () => (await app.Db.StreamGroupInfoAsync(app.Keys.Stream)).Select(g => g.Name).ToList(),
            groups => groups.SequenceEqual([QueueKeys.ConsumerGroup]), Timeout, "the consumer group at zero replicas");
        Assert.Equal(0, Active(app));
        Assert.All(app.Resources.Of(LedgerApp.Worker), r => Assert.Equal(KnownResourceStates.NotStarted, r.State));

        var peak = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                peak = Math.Max(peak, Active(app));
                await Task.Delay(50);
            }
        });
        var ledger = Guid.NewGuid().ToString("N");
        var started = DateTime.UtcNow;
        var ids = await SubmitAsync(app, ledger, jobs: 120, ms: 400);

        await WaitUntilAsync(app, ids, "done");
        var drained = DateTime.UtcNow;
        await Eventually.WaitAsync(() => Task.FromResult(Active(app)), n => n == 0, Timeout, "the pool to go back to zero");
        var atZero = DateTime.UtcNow;
        await watching.CancelAsync();
        await watcher;

        Assert.Equal(MaxReplicas, peak);
        var runs = await app.LedgerAsync(ledger);
        Assert.Equal(ids.Length, runs.Count);
        Assert.All(runs.Values, n => Assert.Equal(1, n)); // SIGTERMed workers finished what they ran: nothing was run again
        Assert.Equal(0, (await app.Db.StreamPendingAsync(app.Keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
        // Every replica the autoscaler stopped is stopped, its processes gone (Aspire shows a stopped executable as
        // Finished or Unknown with no exit code, so "stopped by itself" is shown above: nothing ran twice).
        await Eventually.WaitAsync(() => Task.FromResult(app.Resources.Of(LedgerApp.Worker)), all => all.All(r => IsStopped(r) && (r.Pid is null || !AppHostProcessTree.IsRunning(r.Pid.Value))),
            Timeout, "every replica that ran to be stopped, its process gone");
        var decisions = log.Decisions();
        Assert.Contains(decisions, d => d.From == 0 && d.To > 0);
        Assert.Contains(decisions, d => d.To < d.From && d.To > 0); // shrank while the burst still ran
        Assert.Equal(0, decisions[0].To);
        Assert.Contains("no recommendation above 0", decisions[0].Reason);
        // What the autoscaler measured is kept for whoever shows it: the pool and one sample per poll.
        Assert.Equal(LedgerApp.Worker, Assert.Single(log.Pools).Name);
        Assert.Contains(log.Samples(LedgerApp.Worker), s => s.Replicas == MaxReplicas);
        TestReport.Add($"Autoscaled pool on Aspire: 0 -> {peak} -> 0 replicas for {ids.Length} jobs of 400 ms; drained in "
            + $"{(drained - started).TotalSeconds:0.0} s, back at zero {(atZero - drained).TotalSeconds:0.0} s later (stabilisation 3 s); "
            + $"{decisions.Count} decisions, 0 lost, 0 run twice");
    }

    [Fact]
    public async Task A_worker_killed_while_the_pool_shrinks_loses_no_job_and_no_job_runs_more_than_twice()
    {
        await using var app = await LedgerApp.StartAsync(Lease, (_, redis, workers) => workers
            .WithEnvironment("Worker__Concurrency", "2")
            .WithAutoscaling(redis, minReplicas: 0, maxReplicas: MaxReplicas, jobsPerReplica: 20,
                policy => policy with { ScaleDownStabilization = TimeSpan.FromSeconds(2), PollingInterval = TimeSpan.FromMilliseconds(250) }));
        var log = app.App.Services.GetRequiredService<AutoscalerLog>();
        var ledger = Guid.NewGuid().ToString("N");
        var ids = await SubmitAsync(app, ledger, jobs: 120, ms: 400);
        await Eventually.WaitAsync(() => Task.FromResult(Active(app)), n => n == MaxReplicas, Timeout, "the pool at its bound");

        // The first decision to shrink shows the pool shrinking (the newest replicas go first): then the oldest running
        // one, which was not told to stop, is killed.
        // (A replica's state is read from Aspire's notifications, which may show none running for a moment.)
        var victim = (await Eventually.WaitAsync(
            () => Task.FromResult(log.Decisions().Any(d => d.To < d.From)
                ? app.Resources.Of(LedgerApp.Worker).Where(r => r.State == KnownResourceStates.Running && r.Pid is not null).MinBy(r => r.Id)
                : null),
            running => running is not null, Timeout, "the pool to start shrinking, a replica still running"))!;
        Signals.Send(victim.Pid!.Value, Signals.Kill);

        await WaitUntilAsync(app, ids, "done");
        await Eventually.WaitAsync(() => Task.FromResult(Active(app)), n => n == 0, Timeout, "the pool to go back to zero");

        var runs = await app.LedgerAsync(ledger);
        Assert.Equal(ids.Length, runs.Count);
        Assert.All(runs.Values, n => Assert.InRange(n, 1, 2));
        Assert.Equal(0, (await app.Db.StreamPendingAsync(app.Keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
        Assert.False(AppHostProcessTree.IsRunning(victim.Pid.Value));
        TestReport.Add($"Autoscaled pool on Aspire, a worker SIGKILLed while it shrank: {ids.Length} jobs, all done, 0 lost, "
            + $"{runs.Values.Count(n => n == 2)} run twice (the killed worker's), max handler runs {runs.Values.Max()}");
    }

    [Fact]
    public async Task With_no_worker_at_all_the_api_accepts_a_declared_queues_jobs_and_turns_due_ones_into_entries_a_scaler_counts()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-zero-" + Guid.NewGuid().ToString("N"));
        var builder = DistributedApplicationTestingBuilder.Create();
        var redis = builder.AddRedisServer("redis", LocalRedis.FreePort()).WithDataDirectory(dataDirectory);
        builder.AddProject<Projects.JobQueue_Api>("api", launchProfileName: null).WithHttpEndpoint(name: "http").WithHttpHealthCheck("/health")
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("Api__Queues__0", "emails"); // what the published manifests set for a pool that scales to zero
        Infrastructure.AppHostUnderTest.RunBuiltProjects(builder.Resources);
        Infrastructure.AppHostUnderTest.ExportNoTelemetry(builder.Resources);
        await using var app = await builder.BuildAsync();
        using (var startup = new CancellationTokenSource(Timeout))
        {
            await app.StartAsync(startup.Token);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
        }

        using var api = new HttpClient { BaseAddress = app.GetEndpoint("api", "http"), Timeout = TimeSpan.FromSeconds(10) };
        await using var connection = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis"))!);
        var emails = new QueueKeys("emails");
        // Accepted at once: the API made the queue ready, though no worker of it ever ran.
        using (var first = await api.PostAsJsonAsync("/jobs", new { queue = "emails", payload = 1 }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, first.StatusCode);
        }

        using (var later = await api.PostAsJsonAsync("/jobs", new { queue = "emails", payload = 2, delay_ms = 300 }))
        {
            later.EnsureSuccessStatusCode();
        }

        // The due job is moved into the stream by the API: the group's lag (KEDA's lagCount) counts both.
        await Eventually.WaitAsync(() => LagAsync(connection, emails), lag => lag == 2, Timeout, "both jobs unread entries of the emails stream");
        await app.StopAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    /// <summary>The consumer group's lag as Redis 7 reports it in XINFO GROUPS: the entries no consumer has read yet.</summary>
    private static async Task<long> LagAsync(ConnectionMultiplexer connection, QueueKeys keys)
    {
        var groups = (RedisResult[])(await connection.GetDatabase().ExecuteAsync("XINFO", "GROUPS", keys.Stream.ToString()))!;
        var fields = (RedisResult[])groups.Single()!;
        for (var i = 0; i < fields.Length; i += 2)
        {
            if (fields[i].ToString() == "lag")
            {
                return (long)fields[i + 1];
            }
        }

        throw new InvalidOperationException("XINFO GROUPS has no lag (Redis 7+ has).");
    }

    private static async Task<string[]> SubmitAsync(LedgerApp app, string ledger, int jobs, int ms) =>
        await Task.WhenAll(Enumerable.Range(0, jobs).Select(async _ =>
        {
            using var response = await app.Api.PostAsJsonAsync("/jobs", new { type = "ledger-sleep", payload = new { ms, ledger } });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("job_id").GetString()!;
        }));

    private static Task WaitUntilAsync(LedgerApp app, string[] ids, string status) =>
        Eventually.WaitAsync(
            async () => (await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), "status")))).Count(s => s == status),
            n => n == ids.Length, Timeout, $"every job {status}");

    /// <summary>Replicas running or starting.</summary>
    private static int Active(LedgerApp app) =>
        app.Resources.Of(LedgerApp.Worker).Count(r => r.State == KnownResourceStates.Running || r.State == KnownResourceStates.Starting);

    /// <summary>Stopped by the autoscaler or never started (Aspire shows a stopped replica as Finished, or Unknown without an exit code).</summary>
    private static bool IsStopped(AppResources.Replica replica) =>
        replica.State is "Unknown" || replica.State == KnownResourceStates.NotStarted || KnownResourceStates.TerminalStates.Contains(replica.State);
}
