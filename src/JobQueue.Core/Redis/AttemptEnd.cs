namespace JobQueue.Redis;

/// <summary>
/// An ended attempt: what follows it (<see cref="JobLifecycle.AfterAttempt"/>), to be recorded by
/// <see cref="JobConsumer.CompleteAsync(IReadOnlyList{AttemptEnd})"/>.
/// </summary>
public sealed record AttemptEnd(ClaimedJob Job, NextStep Step, string ResultOrError);
