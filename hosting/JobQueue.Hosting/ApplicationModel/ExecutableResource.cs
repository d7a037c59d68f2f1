namespace JobQueue.Hosting.ApplicationModel;

/// <summary>
/// The replica of a resource a process is started for ("worker-1" is replica 1 of "worker"), with the
/// port it listens on for each of the resource's endpoints.
/// </summary>
public sealed record ReplicaInfo(string ResourceName, string Name, int Index, IReadOnlyDictionary<string, int> Ports);

/// <summary>
/// Environment variables of one replica, filled by the resource's callbacks when the replica starts, or once for the
/// manifests when the app is published (where a value only known at run time is written as an expression such as
/// <c>{redis.connectionString}</c>, as Aspire's manifests do).
/// </summary>
public sealed class EnvironmentCallbackContext(ReplicaInfo replica, bool isPublishing = false)
{
    public ReplicaInfo Replica => replica;

    public bool IsPublishing => isPublishing;

    public Dictionary<string, string> EnvironmentVariables { get; } = [];
}

/// <summary>A resource backed by OS processes: one per replica, started by the AppHost.</summary>
public class ExecutableResource(string name, string command, string workingDirectory) : IResource
{
    public string Name => name;

    public string Command => command;

    public virtual string WorkingDirectory => workingDirectory;

    public List<string> Args { get; } = [];

    public List<Action<EnvironmentCallbackContext>> EnvironmentCallbacks { get; } = [];

    public List<ResourceEndpoint> Endpoints { get; } = [];

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public List<IResource> WaitsFor { get; } = [];

    public int Replicas { get; set; } = 1;

    /// <summary>
    /// How many replicas start with the app (null: all of them); the rest stay NotStarted until something starts them:
    /// an autoscaler, or the dashboard's Start.
    /// </summary>
    public int? InitialReplicas { get; set; }

    /// <summary>Path polled on each replica's http endpoint; a 200 means healthy. Without it, running means healthy.</summary>
    public string? HttpHealthCheckPath { get; set; }

    /// <summary>Name of replica <paramref name="index"/>: the resource's own name when it has one replica.</summary>
    public string ReplicaName(int index) => Replicas == 1 ? Name : $"{Name}-{index}";

    /// <summary>Called once before the first replica starts (write config files, check prerequisites).</summary>
    public virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The command line of one replica: <see cref="Args"/>, unless its replicas differ (a cluster's nodes).</summary>
    public virtual IReadOnlyList<string> ArgsOf(ReplicaInfo replica) => Args;

    /// <summary>Called once the replicas that start with the app have started (join them up, as a cluster's nodes are).</summary>
    public virtual Task AfterStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Checks that a running replica serves; the default is an HTTP probe when a health path is set.</summary>
    public virtual Task<bool> IsHealthyAsync(ReplicaInfo replica, HttpClient http, CancellationToken cancellationToken) =>
        HttpHealthCheckPath is null
            ? Task.FromResult(true)
            : ProbeHttpAsync(http, $"http://127.0.0.1:{replica.Ports["http"]}{HttpHealthCheckPath}", cancellationToken);

    private static async Task<bool> ProbeHttpAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
