using Microsoft.Extensions.Options;
using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// An app composed by the test on Aspire's testing builder, as an AppHost would: redis-server, the API and
/// <see cref="WorkerReplicas"/> processes of the test worker (tests/JobQueue.Tests.Worker), whose
/// <c>ledger-sleep</c> handler counts every run it makes in <see cref="LedgerKey"/>, apart from the queue's records. On
/// one redis-server, or with <c>cluster: true</c> on a local 3-master Redis Cluster.
/// </summary>
public sealed class LedgerApp : IAsyncDisposable
{
    public const string Worker = "worker";
    public const int WorkerReplicas = 3;

    private readonly string _dataDirectory;

    private LedgerApp(string dataDirectory, DistributedApplication app, AppResources resources, ConnectionMultiplexer redis) =>
        (_dataDirectory, App, Resources, Redis, Api) = (dataDirectory, app, resources, redis, TestReport.ApiClient(app));

    public DistributedApplication App { get; }

    /// <summary>The app's processes as Aspire's resource snapshots show them.</summary>
    public AppResources Resources { get; }

    public HttpClient Api { get; }

    public ConnectionMultiplexer Redis { get; }

    public IDatabase Db => Redis.GetDatabase();

    /// <summary>The default queue's keys (its partition 0).</summary>
    internal QueueKeys Keys { get; } = new(new QueueOptions().Name);

    /// <summary>The keys of each partition of the default queue (one unless started with partitions).</summary>
    internal IReadOnlyList<QueueKeys> Partitions { get; private init; } = [new(new QueueOptions().Name)];

    /// <summary>The status of a job, in whichever partition holds it.</summary>
    public async Task<string?> StatusAsync(string jobId)
    {
        foreach (var keys in Partitions)
        {
            if (await Db.HashGetAsync(keys.Job(jobId), "status") is { HasValue: true } status)
            {
                return status.ToString();
            }
        }

        return null;
    }

    /// <summary>
    /// Starts the app; <paramref name="configureWorkers"/> may change the worker pool (autoscale it), and then the app
    /// does not wait for a worker to run. With <paramref name="partitions"/> above 1 the default queue is spread over them.
    /// </summary>
    public static async Task<LedgerApp> StartAsync(
        TimeSpan lease,
        Action<IDistributedApplicationBuilder, IResourceBuilder<IResourceWithConnectionString>, IResourceBuilder<ProjectResource>>? configureWorkers = null,
        bool cluster = false,
        int partitions = 1)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-ledger-" + Guid.NewGuid().ToString("N"));
        var builder = DistributedApplicationTestingBuilder.Create("--environment", "Development");
        IResourceBuilder<IResourceWithConnectionString> redis = cluster
            ? builder.AddRedisServerCluster("redis", masters: 3, replicasPerMaster: 0).WithDataDirectory(dataDirectory)
            : builder.AddRedisServer("redis", LocalRedis.FreePort()).WithDataDirectory(dataDirectory);
        builder.AddProject<Projects.JobQueue_Api>("api", launchProfileName: null)
            .WithHttpEndpoint(name: "http")
            .WithHttpHealthCheck("/health")
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithReference(redis).WaitFor(redis);
        var workers = builder.AddProject<Projects.JobQueue_Tests_Worker>(Worker, launchProfileName: null)
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("Queue__LeaseTimeout", lease.ToString())
            .WithReplicas(WorkerReplicas);
        if (partitions > 1)
        {
            workers.WithEnvironment($"Worker__Partitions__{new QueueOptions().Name}", partitions.ToString());
        }

        configureWorkers?.Invoke(builder, redis, workers);
        AppHostUnderTest.RunBuiltProjects(builder.Resources);
        AppHostUnderTest.ExportNoTelemetry(builder.Resources);
        var app = await builder.BuildAsync();
        var resources = new AppResources(app);
        using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await app.StartAsync(startup.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
        if (configureWorkers is null)
        {
            await resources.WaitAllStartedAsync(Worker, TimeSpan.FromSeconds(120));
        }

        var connection = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis"))!);
        var queue = new QueueOptions().Name;
        // As the pool does when it starts; done here too, so the API spreads the very first job.
        await new QueueDirectory(connection, Options.Create(new QueueOptions())).RegisterAsync(queue, partitions);
        return new LedgerApp(dataDirectory, app, resources, connection)
        {
            Partitions = [.. Enumerable.Range(0, partitions).Select(i => new QueueKeys(QueuePartitions.NameOf(queue, i)))],
        };
    }

    /// <summary>Starts again every worker replica a test stopped or killed.</summary>
    public Task RestoreWorkersAsync() => Resources.RestoreAsync(Worker, TimeSpan.FromSeconds(60));

    /// <summary>The key of the ledger <paramref name="name"/> (its other keys add <c>:pool</c>, <c>:starts</c>, ...): the name is a hash tag.</summary>
    public static string LedgerKey(string name) => $"ledger:{{{name}}}";

    /// <summary>How often the handlers ran each job of the ledger <paramref name="name"/>.</summary>
    public async Task<IReadOnlyDictionary<string, int>> LedgerAsync(string name) =>
        (await Db.HashGetAllAsync(LedgerKey(name))).ToDictionary(e => e.Name.ToString(), e => (int)e.Value);

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Redis.DisposeAsync();
        await Resources.DisposeAsync();
        await App.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
