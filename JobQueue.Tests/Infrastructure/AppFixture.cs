using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// The whole distributed app (redis-server, 2 API replicas behind one port, 3 worker processes and the emails pool) started
/// once from JobQueue.AppHost through Aspire's testing builder, on free ports and a throwaway data directory, shared by
/// the tests of the <see cref="AppCollection"/>. Timeouts are short (3 s processing, 4 s per attempt) so recovery tests
/// run quickly.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    /// <summary>
    /// A lease is renewed every third of it, so a worker loses a healthy job only if it cannot reach Redis for two
    /// thirds. At 2 s, a 1.3 s stall of a worker while other test collections load both cores now and then cost
    /// a reclaimed job its second attempt too.
    /// </summary>
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Per-attempt limit; the slowest ordinary test job sleeps 3 s.</summary>
    public static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(4);

    /// <summary>How long a live feed of the app stays quiet before it pings.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(1);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-tests-" + Guid.NewGuid().ToString("N"));

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The app's processes as Aspire's resource snapshots show them.</summary>
    public AppResources Resources { get; private set; } = null!;

    /// <summary>The Aspire dashboard's address the AppHost gives the queue dashboard's trace links.</summary>
    public Uri Dashboard { get; private set; } = null!;

    /// <summary>The API through the AppHost's port (round-robin over the replicas).</summary>
    public HttpClient Api { get; private set; } = null!;

    public JobQueue.Client.JobQueueClient Client { get; private set; } = null!;

    /// <summary>One API replica directly (0 or 1), bypassing the proxy.</summary>
    public Uri ApiReplica(int index) => Resources.Get("api", index).Url!;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public IDatabase Db => Redis.GetDatabase();

    internal QueueKeys Keys { get; } = new("jobs");

    /// <summary>The queue of the AppHost's second worker pool, <see cref="EmailsPool"/>.</summary>
    public const string EmailsQueue = "emails";

    public const string EmailsPool = "emails-worker";

    /// <summary>The telemetry the Aspire dashboard received (the shared app runs it; the cluster variants do not).</summary>
    public AspireDashboardTelemetry Telemetry { get; private set; } = null!;

    /// <summary>Whether the Aspire dashboard runs, for <see cref="Telemetry"/>.</summary>
    protected virtual bool WithDashboard => true;

    /// <summary>AppHost settings a derived fixture adds (they come last and win).</summary>
    protected virtual IEnumerable<string> Settings => [];

    public async Task InitializeAsync()
    {
        (App, Resources, Dashboard) = await AppHostUnderTest.StartAsync(
        [
            $"--Redis:DataDir={_dataDirectory}",
            $"--Queue:LeaseTimeout={LeaseTimeout}",
            $"--Worker:JobTimeout={JobTimeout}",
            "--Worker:Replicas=3",
            "--Api:Replicas=2",
            $"--Api:KeepAliveInterval={KeepAliveInterval}",
            $"--Api:Feeds:SigningKey={TestTokens.SigningKey}",
            "--Worker:JanitorInterval=00:00:02",
            .. Settings,
        ], dashboard: WithDashboard);
        if (WithDashboard)
        {
            Telemetry = await AspireDashboardTelemetry.FromAppAsync(App);
        }

        Api = TestReport.ApiClient(App);
        Client = new JobQueue.Client.JobQueueClient(Api);
        Redis = await ConnectionMultiplexer.ConnectAsync((await App.GetConnectionStringAsync("redis"))!);
        // Workers create the consumer group when they start reading; the emails pool registers its queue.
        await Eventually.WaitAsync(
            async () => await Db.KeyExistsAsync(Keys.Stream) && (await Db.StreamGroupInfoAsync(Keys.Stream)).Length > 0
                        && await Db.SetContainsAsync(Keys.Queues, EmailsQueue),
            ready => ready, TimeSpan.FromSeconds(30), "the workers' consumer group and the emails pool's queue");
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        Telemetry?.Dispose();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (App is not null)
        {
            await Resources.DisposeAsync();
            await App.DisposeAsync();
        }

        foreach (var directory in new[] { _dataDirectory, _dataDirectory + "-cluster" }.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public async Task<string> SubmitAsync(object body)
    {
        using var response = await Api.PostAsJsonAsync("/jobs", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
    }

    public async Task<JsonElement> GetJobAsync(string jobId) =>
        await Api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}");

    public async Task<JsonElement> WaitForStatusAsync(string jobId, TimeSpan timeout, params string[] statuses)
    {
        try
        {
            return await Eventually.WaitAsync(() => GetJobAsync(jobId), job => statuses.Contains(job.GetProperty("status").GetString()),
                timeout, $"job {jobId} to be {string.Join(" or ", statuses)}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + await DescribeQueueAsync(), e);
        }
    }

    /// <summary>What a person would look at when a job is stuck: the stream, its pending entries, the consumers, and the workers' last words.</summary>
    public async Task<string> DescribeQueueAsync()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"stream length {await Db.StreamLengthAsync(Keys.Stream)}");
        foreach (var entry in await Db.StreamPendingMessagesAsync(Keys.Stream, QueueKeys.ConsumerGroup, 20, RedisValue.Null))
        {
            text.AppendLine($"pending {entry.MessageId} {entry.ConsumerName} idle {entry.IdleTimeInMilliseconds} ms, {entry.DeliveryCount} deliveries");
        }

        foreach (var consumer in await Db.StreamConsumerInfoAsync(Keys.Stream, QueueKeys.ConsumerGroup))
        {
            text.AppendLine($"consumer {consumer.Name}: {consumer.PendingMessageCount} pending, idle {consumer.IdleTimeInMilliseconds} ms");
        }

        foreach (var replica in Resources.Of("worker"))
        {
            text.AppendLine($"{replica.Id} {replica.State} pid {replica.Pid}:");
            foreach (var line in await Resources.LinesAsync(replica.Id, 15))
            {
                text.AppendLine("    " + line.Text);
            }
        }

        return text.ToString();
    }

    public Task<JsonElement> WaitForTerminalAsync(string jobId, TimeSpan timeout) =>
        WaitForStatusAsync(jobId, timeout, "done", "failed");

    /// <summary>The trace a job's spans belong to: the trace id in the traceparent stored with it.</summary>
    public async Task<string> TraceIdOfAsync(string jobId) =>
        ((string)(await Db.HashGetAsync(Keys.Job(jobId), "traceparent"))!).Split('-')[1];

    /// <summary>The worker replica running as process <paramref name="pid"/>.</summary>
    public string WorkerReplicaOf(int pid) => Resources.OfPid("worker", pid).Id;

    /// <summary>Starts again every worker replica a test stopped or killed.</summary>
    public Task RestoreWorkersAsync() => Resources.RestoreAsync("worker", TimeSpan.FromSeconds(60));

    /// <summary>The pid of the worker holding a pending entry: consumer names end with the process id.</summary>
    public async Task<int?> HolderPidAsync(string jobId)
    {
        var entryId = (string?)await Db.HashGetAsync(Keys.Job(jobId), "entry_id");
        if (entryId is null)
        {
            return null;
        }

        var pending = await Db.StreamPendingMessagesAsync(Keys.Stream, QueueKeys.ConsumerGroup, 1, RedisValue.Null, entryId, entryId);
        return pending.Length == 1 ? int.Parse(pending[0].ConsumerName.ToString().Split('-')[^1]) : null;
    }
}

/// <summary>The same app on a local 3-master Redis Cluster with a replica per master (<c>--Redis:Cluster:Masters=3</c>).</summary>
public sealed class ClusterAppFixture : AppFixture
{
    protected override bool WithDashboard => false;

    protected override IEnumerable<string> Settings =>
        ["--Redis:Cluster:Masters=3", "--Redis:Cluster:ReplicasPerMaster=1", "--EmailsWorker:Partitions=3", $"--Redis:Port={LocalRedis.FreeClusterPorts(6)}"];
}

/// <summary>
/// The app on a cluster of 3 masters with 2 replicas each, accepting a job only once a replica has it
/// (<c>--Queue:ReplicationAcks=1</c>): a master that dies leaves its slots a new master that still has a replica.
/// </summary>
public sealed class ReplicatedClusterAppFixture : AppFixture
{
    protected override bool WithDashboard => false;

    protected override IEnumerable<string> Settings =>
        ["--Redis:Cluster:Masters=3", "--Redis:Cluster:ReplicasPerMaster=2", "--Queue:ReplicationAcks=1", $"--Redis:Port={LocalRedis.FreeClusterPorts(9)}"];
}

/// <summary>The same cluster with the default <c>Queue:ReplicationAcks=0</c>: a job is accepted once its master has it.</summary>
public sealed class UnreplicatedClusterAppFixture : AppFixture
{
    protected override bool WithDashboard => false;

    protected override IEnumerable<string> Settings =>
        ["--Redis:Cluster:Masters=3", "--Redis:Cluster:ReplicasPerMaster=2", $"--Redis:Port={LocalRedis.FreeClusterPorts(9)}"];
}

[CollectionDefinition(Name)]
[TakesAbout(240)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}
