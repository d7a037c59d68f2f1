namespace JobQueue;

/// <summary>
/// Limits on one queue, held by every worker together: at most <see cref="Concurrency"/> jobs running at once,
/// at most <see cref="RateMax"/> started per <see cref="RatePeriod"/>, at most <see cref="GroupConcurrency"/> jobs of
/// one group (<see cref="NewJob.Group"/>) running at once. Null: no such limit.
/// </summary>
public sealed record QueueLimits(int? Concurrency = null, int? RateMax = null, TimeSpan? RatePeriod = null, int? GroupConcurrency = null)
{
    public const int MaxConcurrency = 100_000;
    public const int MaxRate = 1_000_000;
    public static readonly TimeSpan MinRatePeriod = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxRatePeriod = TimeSpan.FromDays(1);

    public static QueueLimits None { get; } = new();

    /// <summary>Why these limits cannot be set, or null if they can.</summary>
    public string? Problem() => this switch
    {
        { Concurrency: < 1 or > MaxConcurrency } => $"concurrency must be from 1 to {MaxConcurrency}.",
        { GroupConcurrency: < 1 or > MaxConcurrency } => $"group_concurrency must be from 1 to {MaxConcurrency}.",
        { RateMax: null, RatePeriod: not null } or { RateMax: not null, RatePeriod: null } =>
            "a rate limit needs both its maximum and its period.",
        { RateMax: < 1 or > MaxRate } => $"the rate limit's maximum must be from 1 to {MaxRate}.",
        { RatePeriod: { } period } when period < MinRatePeriod || period > MaxRatePeriod =>
            $"the rate limit's period must be from {MinRatePeriod.TotalMilliseconds} ms to {MaxRatePeriod.TotalMilliseconds} ms.",
        _ => null,
    };

    /// <summary>
    /// Partition <paramref name="index"/>'s share of these limits, of <paramref name="partitions"/> (concurrency 10 over 3:
    /// 4, 3, 3): the shares add up to the whole. The group limit is whole in each: a group's jobs live in one partition.
    /// </summary>
    public QueueLimits ShareOf(int index, int partitions) => this with
    {
        Concurrency = Concurrency is { } concurrency ? Share(concurrency, index, partitions) : null,
        RateMax = RateMax is { } max ? Share(max, index, partitions) : null,
    };

    private static int Share(int whole, int index, int partitions) => whole / partitions + (index < whole % partitions ? 1 : 0);
}
