namespace JobQueue.Hosting.Autoscaling;

/// <summary>
/// The work a pool's queues hold: jobs waiting in the streams, running (pending entries, a dead worker's included: they
/// are reclaimed by a live one), and scheduled jobs already due (a delay or a retry back-off that ended); and how long
/// the oldest waiting job has waited.
/// </summary>
public sealed record QueueDemand(long Waiting, long Running, long DueScheduled, TimeSpan OldestWait)
{
    /// <summary>No work at all.</summary>
    public static readonly QueueDemand None = new(0, 0, 0, TimeSpan.Zero);

    /// <summary>The jobs a replica is counted against: waiting, running and due.</summary>
    public long Jobs => Waiting + Running + DueScheduled;

    /// <summary>The demand of two queues read by one pool: the sums, and the longer oldest wait.</summary>
    public QueueDemand Plus(QueueDemand other) => new(
        Waiting + other.Waiting, Running + other.Running, DueScheduled + other.DueScheduled, OldestWait > other.OldestWait ? OldestWait : other.OldestWait);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Jobs} jobs (waiting {Waiting}, running {Running}, due {DueScheduled}; oldest waiting {OldestWait.TotalSeconds:0.#} s)";
}
