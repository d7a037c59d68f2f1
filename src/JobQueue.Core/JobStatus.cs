namespace JobQueue;

/// <summary>The states a job moves through; stored in the job hash as the lower-case names below.</summary>
public static class JobStatus
{
    /// <summary>Waits for its dependencies to end (see <see cref="JobDependency"/>).</summary>
    public const string Waiting = "waiting";
    public const string Scheduled = "scheduled";
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Canceled = "canceled";

    public static readonly IReadOnlyList<string> All = [Waiting, Scheduled, Queued, Processing, Done, Failed, Canceled];

    public static bool IsTerminal(string status) => status is Done or Failed or Canceled;
}
