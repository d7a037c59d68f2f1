namespace JobQueue.Redis;

/// <summary>
/// An ended attempt: what follows it (<see cref="JobLifecycle.AfterAttempt"/>), to be recorded by
/// <see cref="JobConsumer.CompleteAsync(IReadOnlyList{AttemptEnd})"/>.
/// </summary>
internal sealed record AttemptEnd(ClaimedJob Job, NextStep Step, string ResultOrError);
