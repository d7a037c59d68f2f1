namespace JobQueue;

/// <summary>A job of an owner, as its owner's index saw it: <see cref="ChangedAt"/> is its last change (Unix ms, Redis time).</summary>
public sealed record OwnedJob(JobRecord Job, long ChangedAt);
