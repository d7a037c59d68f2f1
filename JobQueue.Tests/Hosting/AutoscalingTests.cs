using System.Collections.Concurrent;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using JobQueue.Hosting.Autoscaling;
using JobQueue.Hosting.Orchestration;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
// The test project also sees the imitation's JobQueue.Hosting types of the same names (global usings): these are Aspire's.
using AspireApp = Aspire.Hosting.DistributedApplication;
using AspireBuilder = Aspire.Hosting.IDistributedApplicationBuilder;
using AspireProjectMetadata = Aspire.Hosting.IProjectMetadata;
using AspireStates = Aspire.Hosting.ApplicationModel.KnownResourceStates;
using AspireTestingBuilder = Aspire.Hosting.Testing.DistributedApplicationTestingBuilder;
using PoolBuilder = Aspire.Hosting.ApplicationModel.IResourceBuilder<Aspire.Hosting.ApplicationModel.ProjectResource>;
using RedisBuilder = Aspire.Hosting.ApplicationModel.IResourceBuilder<Aspire.Hosting.ApplicationModel.IResourceWithConnectionString>;

namespace JobQueue.Tests.Hosting;

/// <summary>
/// A worker pool autoscaled from zero by a real Aspire AppHost (JobQueue.Hosting.Autoscaling: WithReplicas(max),
/// WithExplicitStart, replicas started and stopped with Aspire's resource-start and resource-stop), with real processes:
/// it grows with a burst, drains it, shrinks with SIGTERM (running jobs finish) and goes back to zero; a worker
/// SIGKILLed while it shrinks loses nothing.
/// </summary>
public sealed class AutoscalingTests
{
    private const int MaxReplicas = 3;
    private static readonly TimeSpan ProcessingTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_pool_at_zero_scales_up_to_its_bound_for_a_burst_drains_it_and_goes_back_to_zero_losing_nothing()
    {
        await using var app = await LedgerApp.StartAsync(ProcessingTimeout, (_, redis, workers) =>
            // Two jobs at a time per worker, so the burst takes long enough to be seen shrinking while it runs.
            workers.WithEnvironment("Worker__Concurrency", "2")
                .WithAutoscaling(redis, minReplicas: 0, maxReplicas: MaxReplicas, jobsPerReplica: 20,
                    policy => policy with { ScaleDownStabilization = TimeSpan.FromSeconds(3), PollingInterval = TimeSpan.FromMilliseconds(250) }));
        using var replicas = ReplicaWatch.Start(app.App);
        var log = app.App.Services.GetRequiredService<AutoscalerLog>();

        // At zero, the queue is ready for work nobody reads yet: its consumer group exists.
        await Eventually.WaitAsync(() => Task.FromResult(replicas.All.Count), n => n == MaxReplicas, Timeout, "the pool's replicas to be known");
        await Eventually.WaitAsync(async () => (await app.Db.StreamGroupInfoAsync(app.Keys.Stream)).Select(g => g.Name).ToList(),
            groups => groups.SequenceEqual([QueueKeys.ConsumerGroup]), Timeout, "the consumer group at zero replicas");
        Assert.Equal(0, replicas.Active);
        Assert.All(replicas.All, r => Assert.Equal(AspireStates.NotStarted, r.State));

        var peak = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                peak = Math.Max(peak, replicas.Active);
                await Task.Delay(50);
            }
        });
        var ledger = Guid.NewGuid().ToString("N");
        var started = DateTime.UtcNow;
        var ids = await SubmitAsync(app, ledger, jobs: 120, ms: 400);

        await WaitUntilAsync(app, ids, "done");
        var drained = DateTime.UtcNow;
        await Eventually.WaitAsync(() => Task.FromResult(replicas.Active), n => n == 0, Timeout, "the pool to go back to zero");
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
        await Eventually.WaitAsync(() => Task.FromResult(replicas.All), all => all.All(r => IsStopped(r) && (r.Pid is null || !AppHostProcessTree.IsRunning(r.Pid.Value))),
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
        await using var app = await LedgerApp.StartAsync(ProcessingTimeout, (_, redis, workers) => workers
            .WithEnvironment("Worker__Concurrency", "2")
            .WithAutoscaling(redis, minReplicas: 0, maxReplicas: MaxReplicas, jobsPerReplica: 20,
                policy => policy with { ScaleDownStabilization = TimeSpan.FromSeconds(2), PollingInterval = TimeSpan.FromMilliseconds(250) }));
        using var replicas = ReplicaWatch.Start(app.App);
        var log = app.App.Services.GetRequiredService<AutoscalerLog>();
        var ledger = Guid.NewGuid().ToString("N");
        var ids = await SubmitAsync(app, ledger, jobs: 120, ms: 400);
        await Eventually.WaitAsync(() => Task.FromResult(replicas.Active), n => n == MaxReplicas, Timeout, "the pool at its bound");

        // The first decision to shrink shows the pool shrinking (the newest replicas go first): then the oldest running
        // one, which was not told to stop, is killed.
        await Eventually.WaitAsync(() => Task.FromResult(log.Decisions()), decisions => decisions.Any(d => d.To < d.From), Timeout,
            "the pool to start shrinking");
        var victim = replicas.All.Where(r => r.State == AspireStates.Running && r.Pid is not null).MinBy(r => r.ResourceId)!;
        var killed = KillWorker(victim.Pid!.Value);

        await WaitUntilAsync(app, ids, "done");
        await Eventually.WaitAsync(() => Task.FromResult(replicas.Active), n => n == 0, Timeout, "the pool to go back to zero");

        var runs = await app.LedgerAsync(ledger);
        Assert.Equal(ids.Length, runs.Count);
        Assert.All(runs.Values, n => Assert.InRange(n, 1, 2));
        Assert.Equal(0, (await app.Db.StreamPendingAsync(app.Keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
        Assert.All(killed, pid => Assert.False(AppHostProcessTree.IsRunning(pid)));
        TestReport.Add($"Autoscaled pool on Aspire, a worker SIGKILLed while it shrank: {ids.Length} jobs, all done, 0 lost, "
            + $"{runs.Values.Count(n => n == 2)} run twice (the killed worker's), max handler runs {runs.Values.Max()}");
    }

    [Fact]
    public async Task With_no_worker_at_all_the_api_accepts_a_declared_queues_jobs_and_turns_due_ones_into_entries_a_scaler_counts()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-zero-" + Guid.NewGuid().ToString("N"));
        var builder = AspireTestingBuilder.Create();
        var redis = builder.AddRedisServer("redis", PortAllocator.FreePort()).WithDataDirectory(dataDirectory);
        builder.AddProject<ApiProject>("api", launchProfileName: null).WithHttpEndpoint(name: "http").WithHttpHealthCheck("/health")
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("Api__Queues__0", "emails"); // what the published manifests set for a pool that scales to zero
        await using var app = builder.Build();
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

    /// <summary>
    /// SIGKILLs a replica: the worker process and the launcher Aspire started it with (<c>dotnet run</c>, whose pid is the
    /// replica's <c>executable.pid</c>), so that nothing of it stops gracefully. The pids killed.
    /// </summary>
    private static List<int> KillWorker(int launcherPid)
    {
        var pids = AppHostProcessTree.Of(launcherPid).Where(p => p.CommandLine.Contains("JobQueue.Tests.Worker", StringComparison.Ordinal))
            .Select(p => p.Pid).Append(launcherPid).ToList();
        foreach (var pid in pids.Where(AppHostProcessTree.IsRunning))
        {
            Signals.Send(pid, Signals.Kill);
        }

        return pids;
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

    private static bool IsStopped(Replica replica) =>
        replica.State is "Unknown" || replica.State == AspireStates.NotStarted || AspireStates.TerminalStates.Contains(replica.State);

    /// <summary>One replica of the pool as Aspire last showed it.</summary>
    private sealed record Replica(string ResourceId, string? State, int? Pid, int? ExitCode);

    /// <summary>The worker pool's replicas, followed from Aspire's resource snapshots (one per replica, each its own resource id).</summary>
    private sealed class ReplicaWatch : IDisposable
    {
        private readonly ConcurrentDictionary<string, Replica> _replicas = new();
        private readonly CancellationTokenSource _stop = new();

        public IReadOnlyList<Replica> All => [.. _replicas.Values.OrderBy(r => r.ResourceId, StringComparer.Ordinal)];

        /// <summary>Replicas running or starting.</summary>
        public int Active => _replicas.Values.Count(r => r.State == AspireStates.Running || r.State == AspireStates.Starting);

        public static ReplicaWatch Start(AspireApp app)
        {
            var watch = new ReplicaWatch();
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in app.ResourceNotifications.WatchAsync(watch._stop.Token))
                    {
                        if (e.Resource.Name == LedgerApp.Worker)
                        {
                            var pid = e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
                                ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
                                : (int?)null;
                            watch._replicas[e.ResourceId] = new Replica(e.ResourceId, e.Snapshot.State?.Text, pid, e.Snapshot.ExitCode);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
            return watch;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    /// <summary>The API's project, run from its build output (<c>dotnet run --no-build</c>).</summary>
    private sealed class ApiProject : AspireProjectMetadata
    {
        public string ProjectPath => new Projects.JobQueue_Api().ProjectPath;

        public bool SuppressBuild => true;
    }

    // ---------------------------------------------------------------------------------------------------------------------
    // TEMPORARY, to be replaced by JobQueue.Tests/Infrastructure/LedgerApp.cs once it is ported to real Aspire (another
    // engineer's work): from here to the end of the class. Its StartAsync keeps LedgerApp's signature with Aspire's
    // types, and App is a real Aspire DistributedApplication; deleting this nested class makes the tests above use it.
    // ---------------------------------------------------------------------------------------------------------------------

    /// <summary>The test worker (tests/JobQueue.Tests.Worker, its ledger-sleep handler), run from its build output.</summary>
    private sealed class TestWorkerProject : AspireProjectMetadata
    {
        public string ProjectPath => new Projects.JobQueue_Tests_Worker().ProjectPath;

        public bool SuppressBuild => true;
    }

    /// <summary>
    /// The minimal real-Aspire stand-in for <see cref="Infrastructure.LedgerApp"/>: redis-server (AddRedisServer), the
    /// API and <see cref="WorkerReplicas"/> replicas of the test worker, whose ledger-sleep handler counts every run in
    /// <see cref="LedgerKey"/>. No cluster, one partition: what these tests need.
    /// </summary>
    private sealed class LedgerApp : IAsyncDisposable
    {
        public const string Worker = "worker";
        public const int WorkerReplicas = 3;

        private readonly string _dataDirectory;

        private LedgerApp(string dataDirectory, AspireApp app, ConnectionMultiplexer redis) =>
            (_dataDirectory, App, Redis, Api) = (dataDirectory, app, redis,
                new HttpClient { BaseAddress = app.GetEndpoint("api", "http"), Timeout = TimeSpan.FromSeconds(10) });

        public AspireApp App { get; }

        public HttpClient Api { get; }

        public ConnectionMultiplexer Redis { get; }

        public IDatabase Db => Redis.GetDatabase();

        public QueueKeys Keys { get; } = new(new QueueOptions().Name);

        public static async Task<LedgerApp> StartAsync(
            TimeSpan processingTimeout, Action<AspireBuilder, RedisBuilder, PoolBuilder>? configureWorkers = null, bool cluster = false, int partitions = 1)
        {
            Assert.False(cluster); // the stand-in has no cluster
            Assert.Equal(1, partitions);
            var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-ledger-" + Guid.NewGuid().ToString("N"));
            var builder = AspireTestingBuilder.Create();
            RedisBuilder redis = builder.AddRedisServer("redis", PortAllocator.FreePort()).WithDataDirectory(dataDirectory);
            builder.AddProject<ApiProject>("api", launchProfileName: null)
                .WithHttpEndpoint(name: "http")
                .WithHttpHealthCheck("/health")
                .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
                .WithReference(redis).WaitFor(redis);
            var workers = builder.AddProject<TestWorkerProject>(Worker, launchProfileName: null)
                .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
                .WithReference(redis).WaitFor(redis)
                .WithEnvironment("Queue__ProcessingTimeout", processingTimeout.ToString())
                .WithReplicas(WorkerReplicas);
            configureWorkers?.Invoke(builder, redis, workers);
            var app = builder.Build();
            using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await app.StartAsync(startup.Token);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
            if (configureWorkers is null)
            {
                await app.ResourceNotifications.WaitForResourceAsync(Worker, AspireStates.Running, startup.Token);
            }

            var connection = await ConnectionMultiplexer.ConnectAsync((await redis.Resource.GetConnectionStringAsync(startup.Token))!);
            // As the pool does when it starts; done here too, so the API spreads the very first job.
            await new QueueDirectory(connection, Options.Create(new QueueOptions())).RegisterAsync(new QueueOptions().Name, partitions);
            return new LedgerApp(dataDirectory, app, connection);
        }

        public static string LedgerKey(string name) => $"ledger:{{{name}}}";

        public async Task<IReadOnlyDictionary<string, int>> LedgerAsync(string name) =>
            (await Db.HashGetAllAsync(LedgerKey(name))).ToDictionary(e => e.Name.ToString(), e => (int)e.Value);

        public async ValueTask DisposeAsync()
        {
            Api.Dispose();
            await Redis.DisposeAsync();
            await App.StopAsync();
            await App.DisposeAsync();
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
