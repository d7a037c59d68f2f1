namespace JobQueue;

/// <summary>
/// Dependencies that cannot be kept: a job id that is not a job of the queue (unknown, expired, or in another queue),
/// a batch position out of range, a job listed twice, or a cycle among the jobs of a batch.
/// </summary>
public sealed class InvalidDependencyException(string message) : ArgumentException(message);
