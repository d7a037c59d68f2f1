namespace JobQueue;

/// <summary>A consumer of the group: a worker, its entries running and how long since it last read.</summary>
public sealed record ConsumerStats(string Name, long Pending, TimeSpan Idle);

/// <summary>The queue at a glance: stream length, running entries, consumers, scheduled jobs, dead letters, totals by outcome.</summary>
public sealed record QueueStats(
    long StreamLength, long Pending, IReadOnlyList<ConsumerStats> Consumers, long Scheduled, long DeadLetters,
    IReadOnlyDictionary<string, long> Totals);
