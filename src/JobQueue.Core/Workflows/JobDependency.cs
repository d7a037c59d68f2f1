namespace JobQueue;

/// <summary>
/// One job a new job waits for: an existing job of the same queue (<see cref="JobId"/>), or another job of the same
/// batch (<see cref="BatchIndex"/>, its position in the list given to <see cref="JobStore.EnqueueManyAsync"/>), so a
/// whole graph goes in one call. <see cref="OnFailure"/> says what the new job does if that one fails or is canceled.
/// </summary>
public sealed record JobDependency
{
    private JobDependency(string? jobId, int? batchIndex, DependencyFailure onFailure) =>
        (JobId, BatchIndex, OnFailure) = (jobId, batchIndex, onFailure);

    public string? JobId { get; }

    public int? BatchIndex { get; }

    public DependencyFailure OnFailure { get; }

    /// <summary>Waits for an existing job (it must be in the same queue as the new one).</summary>
    public static JobDependency On(string jobId, DependencyFailure onFailure = DependencyFailure.Fail) => new(jobId, null, onFailure);

    /// <summary>Waits for the job at <paramref name="index"/> in the same batch.</summary>
    public static JobDependency OnBatchJob(int index, DependencyFailure onFailure = DependencyFailure.Fail) => new(null, index, onFailure);

    /// <summary>How enqueue.lua reads it: the job id, or '@' and the 1-based position in the batch.</summary>
    internal string Ref => JobId ?? "@" + (BatchIndex!.Value + 1);
}
