using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// An app composed as a user of JobQueue.Hosting composes theirs: redis-server, the queue <see cref="Queue"/> as a
/// resource (Degraded over <see cref="DeadLetterAlert"/> dead letters or <see cref="OldestWaitAlert"/> of waiting), and
/// the test worker, which only references the queue, started by the tests (explicit start); and <see cref="Waiter"/>, a
/// process that waits for the queue. One per test class.
/// </summary>
public sealed class QueueResourceApp : IAsyncLifetime
{
    public const string Queue = "emails";
    public const string Worker = "worker";
    public const string Waiter = "waiter";
    public const long DeadLetterAlert = 2;
    public static readonly TimeSpan OldestWaitAlert = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-queue-resource-" + Guid.NewGuid().ToString("N"));

    public DistributedApplication App { get; private set; } = null!;

    public AppResources Resources { get; private set; } = null!;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>The product's own classes over the app's Redis, as the test's producer and checker.</summary>
    public JobStore Store { get; private set; } = null!;

    public QueueControls Controls { get; private set; } = null!;

    public QueueInspector Inspector { get; private set; } = null!;

    public ScheduleStore Schedules { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create("--environment", "Development");
        var redis = builder.AddRedisServer("redis", LocalRedis.FreePort()).WithDataDirectory(_dataDirectory);
        var queue = builder.AddJobQueue(Queue, redis)
            .WithDeadLetterAlert(DeadLetterAlert)
            .WithOldestWaitAlert(OldestWaitAlert);
        // The queue's own worker waits for Redis, not for the queue: a queue with a backlog is Degraded, and WaitFor waits
        // for Healthy, which only the worker can make it.
        builder.AddProject<Projects.JobQueue_Tests_Worker>(Worker, launchProfileName: null)
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithReference(queue)
            .WaitFor(redis)
            .WithExplicitStart();
        // What a producer that must not start before its queue is ready does: WaitFor(queue).
        builder.AddExecutable(Waiter, "sleep", ".", "infinity").WaitFor(queue);
        AppHostUnderTest.RunBuiltProjects(builder.Resources);
        AppHostUnderTest.ExportNoTelemetry(builder.Resources);
        App = await builder.BuildAsync();
        Resources = new AppResources(App);
        StartOrder = FirstEventsAsync(App, _stopWatching.Token);
        using var startup = new CancellationTokenSource(Timeout);
        await App.StartAsync(startup.Token);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(Queue, startup.Token);

        Redis = await ConnectionMultiplexer.ConnectAsync((await App.GetConnectionStringAsync("redis"))!);
        var options = Options.Create(new QueueOptions());
        var directory = new QueueDirectory(Redis, options);
        Store = new JobStore(Redis, directory, options);
        Controls = new QueueControls(Redis, directory);
        Inspector = new QueueInspector(Redis, directory);
        Schedules = new ScheduleStore(Redis, directory, Store, options);
    }

    /// <summary>
    /// Of every resource event from the app's start, in the order Aspire published them, the position of the first that
    /// showed the queue Healthy and of the first that showed <see cref="Waiter"/> Running.
    /// </summary>
    public Task<(int QueueHealthy, int WaiterRunning)> StartOrder { get; private set; } = null!;

    private readonly CancellationTokenSource _stopWatching = new(Timeout);

    private static async Task<(int QueueHealthy, int WaiterRunning)> FirstEventsAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        var (position, queueHealthy, waiterRunning) = (0, -1, -1);
        await foreach (var e in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            position++;
            if (queueHealthy < 0 && e.Resource.Name == Queue && e.Snapshot.HealthStatus == HealthStatus.Healthy)
            {
                queueHealthy = position;
            }

            if (waiterRunning < 0 && e.Resource.Name == Waiter && e.Snapshot.State?.Text == KnownResourceStates.Running)
            {
                waiterRunning = position;
            }

            if (queueHealthy > 0 && waiterRunning > 0)
            {
                break;
            }
        }

        return (queueHealthy, waiterRunning);
    }

    /// <summary>The queue resource's latest snapshot once <paramref name="done"/> holds for it.</summary>
    public async Task<CustomResourceSnapshot> WaitForQueueAsync(Func<CustomResourceSnapshot, bool> done, string what, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? Timeout);
        try
        {
            return (await App.ResourceNotifications.WaitForResourceAsync(Queue, e => done(e.Snapshot), timeout.Token)).Snapshot;
        }
        catch (OperationCanceledException)
        {
            App.ResourceNotifications.TryGetCurrentState(Queue, out var latest);
            throw new TimeoutException($"Timed out waiting for {what}; the queue resource: {Describe(latest?.Snapshot)}");
        }
    }

    public Task<CustomResourceSnapshot> WaitForHealthAsync(HealthStatus status) =>
        WaitForQueueAsync(s => s.HealthStatus == status, $"the queue to be {status}");

    public Task<ExecuteCommandResult> RunAsync(string command, params (string Name, string Value)[] arguments) =>
        App.ResourceCommands.ExecuteCommandAsync(Queue, command, new InteractionInputCollection(
            [.. arguments.Select(a => new InteractionInput { Name = a.Name, InputType = InputType.Text, Value = a.Value })]));

    /// <summary>The worker running (started on first use).</summary>
    public async Task StartWorkerAsync()
    {
        if (Resources.Of(Worker).All(r => r.State != KnownResourceStates.Running))
        {
            await Resources.StartAsync(Resources.Of(Worker).Single().Id);
        }

        await Resources.WaitAllRunningAsync(Worker, Timeout);
    }

    public static string? Property(CustomResourceSnapshot snapshot, string name) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == name)?.Value?.ToString();

    public static string Describe(CustomResourceSnapshot? snapshot) => snapshot is null ? "no snapshot" :
        $"state {snapshot.State?.Text}, health {snapshot.HealthStatus}, " +
        string.Join(", ", snapshot.Properties.Where(p => p.Name.StartsWith("jobqueue.", StringComparison.Ordinal)).Select(p => $"{p.Name}={p.Value}"));

    public async Task DisposeAsync()
    {
        _stopWatching.Dispose();
        await Redis.DisposeAsync();
        await Resources.DisposeAsync();
        await App.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
