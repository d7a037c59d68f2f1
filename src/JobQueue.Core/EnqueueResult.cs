namespace JobQueue;

/// <summary>The job an enqueue wrote, or with <see cref="Replayed"/> the job an earlier request under the same idempotency key wrote.</summary>
public sealed record EnqueueResult(JobRecord Job, bool Replayed);
