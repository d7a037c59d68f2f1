namespace JobQueue.Redis;

internal sealed record ClaimResult(DeliveredEntry Entry, ClaimOutcome Outcome, ClaimedJob? Job, int Attempts);
