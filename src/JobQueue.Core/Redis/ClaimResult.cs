namespace JobQueue.Redis;

public sealed record ClaimResult(DeliveredEntry Entry, ClaimOutcome Outcome, ClaimedJob? Job, int Attempts);
