namespace JobQueue.Hosting.ApplicationModel;

/// <summary>The lifecycle states of a replica, named as Aspire's dashboard names them.</summary>
public static class KnownResourceStates
{
    public const string NotStarted = "NotStarted";
    public const string Waiting = "Waiting";
    public const string Starting = "Starting";
    public const string Running = "Running";
    public const string Stopping = "Stopping";
    public const string Exited = "Exited";
    public const string FailedToStart = "FailedToStart";
}

/// <summary>What is known about one replica at a moment.</summary>
public sealed record ResourceSnapshot(
    string ResourceName,
    string ReplicaName,
    string State,
    bool? Healthy = null,
    int? Pid = null,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? StoppedAt = null,
    int? ExitCode = null,
    string? Error = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    IReadOnlyList<Uri>? Urls = null);
