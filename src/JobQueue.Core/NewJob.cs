namespace JobQueue;

/// <summary>
/// A job to enqueue: due now, or at <see cref="RunAt"/>; with an idempotency key, submitted at most once per window;
/// with a <see cref="Policy"/> of its own, which wins over its handler's; in <see cref="Queue"/> (null: the default queue);
/// in <see cref="Group"/> (a tenant, a user: see <see cref="JobGroup"/>), whose running jobs the queue's group limit counts;
/// of <see cref="Owner"/> (a user: see <see cref="JobOwner"/>), whose live feed shows it; <c>waiting</c> until every job of
/// <see cref="DependsOn"/> has ended (see <see cref="JobDependency"/>), then due as above.
/// </summary>
public sealed record NewJob(
    string Type, string PayloadJson, DateTimeOffset? RunAt = null, string? IdempotencyKey = null, JobPolicy? Policy = null, string? Queue = null,
    string? Group = null, string? Owner = null, IReadOnlyList<JobDependency>? DependsOn = null);
