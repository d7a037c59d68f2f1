namespace JobQueue;

/// <summary>A job to enqueue: due now, or at <see cref="RunAt"/>; with an idempotency key, submitted at most once per window.</summary>
public sealed record NewJob(string Type, string PayloadJson, DateTimeOffset? RunAt = null, string? IdempotencyKey = null);
