namespace JobQueue.Redis;

/// <summary>How one attempt ended, to be recorded by <see cref="JobConsumer.CompleteAsync(IReadOnlyList{AttemptEnd})"/>.</summary>
public sealed record AttemptEnd(ClaimedJob Job, AttemptOutcome Outcome, string ResultOrError);
