namespace JobQueue;

/// <summary>A schedule that cannot be kept: a bad name, a cron expression Cronos cannot read or that never fires, an unknown time zone.</summary>
public sealed class InvalidScheduleException(string message) : ArgumentException(message);
