namespace JobQueue.Redis;

/// <summary>
/// How one attempt ended and what follows it (<see cref="JobLifecycle.AfterAttempt"/>), to be recorded by
/// <see cref="JobConsumer.CompleteAsync(IReadOnlyList{AttemptEnd})"/>.
/// </summary>
public sealed record AttemptEnd(ClaimedJob Job, AttemptOutcome Outcome, NextStep Step, string ResultOrError);
