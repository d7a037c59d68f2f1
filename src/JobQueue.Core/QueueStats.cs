namespace JobQueue;

/// <summary>A consumer of the group: a worker, its entries running and how long since it last read.</summary>
public sealed record ConsumerStats(string Name, long Pending, TimeSpan Idle);

/// <summary>
/// One queue at a glance: jobs due and not yet started (waiting), stream length (jobs waiting or running, and ended
/// ones a long-running job holds in the stream: see complete.lua), running entries, consumers, scheduled jobs, dead
/// letters, totals by outcome, whether it is paused, its limits, and how many changes its event log keeps (0: off).
/// </summary>
public sealed record QueueStats(
    string Name, long Waiting, long StreamLength, long Pending, IReadOnlyList<ConsumerStats> Consumers, long Scheduled,
    long DeadLetters, IReadOnlyDictionary<string, long> Totals, bool Paused, QueueLimits Limits, int EventLogLength);
