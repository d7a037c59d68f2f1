namespace JobQueue;

/// <summary>No job has this id: it never existed, or it ended and its retention ran out.</summary>
public sealed class JobNotFoundException(string jobId) : Exception($"There is no job {jobId} (it never existed, or it expired).")
{
    public string JobId => jobId;
}
