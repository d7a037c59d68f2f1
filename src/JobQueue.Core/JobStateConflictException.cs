namespace JobQueue;

/// <summary>An operation the job's status does not allow: canceling a job that already ended, retrying one that did not fail.</summary>
public sealed class JobStateConflictException(string jobId, string status, string title, string message) : Exception(message)
{
    public string JobId => jobId;

    /// <summary>The status the job has, which refused the operation.</summary>
    public string Status => status;

    /// <summary>A short summary of the refusal (a problem's title).</summary>
    public string Title => title;
}
