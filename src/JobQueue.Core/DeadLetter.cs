namespace JobQueue;

/// <summary>A job that failed for good, as its dead letter records it.</summary>
public sealed record DeadLetter(string EntryId, string JobId, string Type, int Attempts, string Error, DateTimeOffset FailedAt);
