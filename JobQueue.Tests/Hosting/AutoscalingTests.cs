using System.Net.Http.Json;
using JobQueue.Hosting.Dashboard;
using JobQueue.Hosting.Autoscaling;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobQueue.Tests.Hosting;

/// <summary>
/// A worker pool autoscaled from zero by the AppHost, with real processes: it grows with a burst, drains it, shrinks
/// with SIGTERM (running jobs finish) and goes back to zero; a worker SIGKILLed while it shrinks loses nothing.
/// </summary>
public sealed class AutoscalingTests
{
    private const int MaxReplicas = 3;
    private static readonly TimeSpan ProcessingTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_pool_at_zero_scales_up_to_its_bound_for_a_burst_drains_it_and_goes_back_to_zero_losing_nothing()
    {
        await using var app = await LedgerApp.StartAsync(ProcessingTimeout, (builder, redis, workers) =>
        {
            // Two jobs at a time per worker, so the burst takes long enough to be seen shrinking while it runs.
            workers.WithEnvironment("Worker__Concurrency", "2")
                .WithAutoscaling(redis, minReplicas: 0, maxReplicas: MaxReplicas, jobsPerReplica: 20,
                    policy => policy with { ScaleDownStabilization = TimeSpan.FromSeconds(3), PollingInterval = TimeSpan.FromMilliseconds(250) });
            builder.AddDashboard();
        });
        var log = app.App.Services.GetRequiredService<AutoscalerLog>();

        // At zero, the queue is ready for work nobody reads yet: its consumer group exists.
        await Task.Delay(1000);
        Assert.Equal(0, Active(app));
        Assert.Equal(QueueKeys.ConsumerGroup, Assert.Single(await app.Db.StreamGroupInfoAsync(app.Keys.Stream)).Name);

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
        var ids = await SubmitAsync(app, ledger, jobs: 120, ms: 400);

        await WaitUntilAsync(app, ids, "done");
        await Eventually.WaitAsync(() => Task.FromResult(Active(app)), n => n == 0, Timeout, "the pool to go back to zero");
        await watching.CancelAsync();
        await watcher;

        Assert.Equal(MaxReplicas, peak);
        var runs = await app.LedgerAsync(ledger);
        Assert.Equal(ids.Length, runs.Count);
        Assert.All(runs.Values, n => Assert.Equal(1, n)); // SIGTERMed workers finished what they ran: nothing was run again
        Assert.Equal(0, (await app.Db.StreamPendingAsync(app.Keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
        // Every replica stopped by the autoscaler stopped by itself (exit code 0), none killed after the grace period.
        Assert.All(app.App.ResourceNotifications.GetReplicas(LedgerApp.Worker).Where(r => r.ExitCode is not null), r => Assert.Equal(0, r.ExitCode));
        var decisions = log.Decisions();
        Assert.Contains(decisions, d => d.From == 0 && d.To > 0);
        Assert.Contains(decisions, d => d.To < d.From && d.To > 0); // shrank while the burst still ran
        Assert.Equal(0, decisions[0].To);

        // The dashboard's Autoscaling page shows the pool and every decision with its reason (its HTML as the server renders
        // it: this app is composed in the test, without the AppHost's browser scripts).
        var dashboard = app.App.Services.GetRequiredService<DashboardEndpoints>();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = dashboard.Dashboard };
        (await http.GetAsync(dashboard.LoginUrl)).EnsureSuccessStatusCode();
        var html = await http.GetStringAsync("/autoscaling");
        Assert.Contains($"<tr data-pool=\"{LedgerApp.Worker}\">", html);
        Assert.Equal(decisions.Count, html.Split("<td class=\"nowrap\">").Length - 1);
        Assert.Contains("no recommendation above 0", html);
    }

    [Fact]
    public async Task A_worker_killed_while_the_pool_shrinks_loses_no_job_and_no_job_runs_more_than_twice()
    {
        await using var app = await LedgerApp.StartAsync(ProcessingTimeout, (_, redis, workers) => workers
            .WithEnvironment("Worker__Concurrency", "2")
            .WithAutoscaling(redis, minReplicas: 0, maxReplicas: MaxReplicas, jobsPerReplica: 20,
                policy => policy with { ScaleDownStabilization = TimeSpan.FromSeconds(2), PollingInterval = TimeSpan.FromMilliseconds(250) }));
        var ledger = Guid.NewGuid().ToString("N");
        var ids = await SubmitAsync(app, ledger, jobs: 120, ms: 400);
        await Eventually.WaitAsync(() => Task.FromResult(Active(app)), n => n == MaxReplicas, Timeout, "the pool at its bound");

        // The first replica told to stop shows the pool shrinking: then a running one that was not told is killed.
        await Eventually.WaitAsync(() => Task.FromResult(app.App.ResourceNotifications.GetReplicas(LedgerApp.Worker)),
            replicas => replicas.Any(r => r.State == KnownResourceStates.Stopping), Timeout, "the pool to start shrinking");
        var victim = app.App.ResourceNotifications.GetReplicas(LedgerApp.Worker).First(r => r.State == KnownResourceStates.Running);
        Signals.Send(victim.Pid!.Value, Signals.Kill);

        await WaitUntilAsync(app, ids, "done");
        await Eventually.WaitAsync(() => Task.FromResult(Active(app)), n => n == 0, Timeout, "the pool to go back to zero");

        var runs = await app.LedgerAsync(ledger);
        Assert.Equal(ids.Length, runs.Count);
        Assert.All(runs.Values, n => Assert.InRange(n, 1, 2));
        Assert.Equal(0, (await app.Db.StreamPendingAsync(app.Keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
        TestReport.Add($"Autoscaled pool, a worker SIGKILLed while it shrank: {ids.Length} jobs, all done, 0 lost, "
            + $"{runs.Values.Count(n => n == 2)} run twice (the killed worker's), max handler runs {runs.Values.Max()}");
    }

    [Fact]
    public async Task With_no_worker_at_all_the_api_accepts_a_declared_queues_jobs_and_turns_due_ones_into_entries_a_scaler_counts()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-zero-" + Guid.NewGuid().ToString("N"));
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { RandomizePorts = true, EchoResourceOutput = false, EnvironmentName = "Development" });
        var redis = builder.AddRedis("redis").WithDataDirectory(dataDirectory);
        builder.AddProject<Projects.JobQueue_Api>("api").WithHttpEndpoint().WithHttpHealthCheck("/health")
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("Api__Queues__0", "emails"); // what the published manifests set for a pool that scales to zero
        await using var app = builder.Build();
        await app.StartAsync();
        using (var startup = new CancellationTokenSource(Timeout))
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
        }

        using var api = TestReport.ApiClient(app);
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Resource.ConnectionString);
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
        Directory.Delete(dataDirectory, recursive: true);
    }

    /// <summary>The consumer group's lag as Redis 7 reports it in XINFO GROUPS: the entries no consumer has read yet.</summary>
    private static async Task<long> LagAsync(StackExchange.Redis.ConnectionMultiplexer connection, QueueKeys keys)
    {
        var groups = (StackExchange.Redis.RedisResult[])(await connection.GetDatabase().ExecuteAsync("XINFO", "GROUPS", keys.Stream.ToString()))!;
        var fields = (StackExchange.Redis.RedisResult[])groups.Single()!;
        for (var i = 0; i < fields.Length; i += 2)
        {
            if (fields[i].ToString() == "lag")
            {
                return (long)fields[i + 1];
            }
        }

        throw new InvalidOperationException("XINFO GROUPS has no lag (Redis 7+ has).");
    }

    private static int Active(LedgerApp app) => app.App.ResourceNotifications.GetReplicas(LedgerApp.Worker)
        .Count(r => r.State is KnownResourceStates.Running or KnownResourceStates.Starting);

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
}
