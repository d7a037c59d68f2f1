namespace JobQueue.Hosting.Autoscaling;

/// <summary>
/// How a worker pool follows its queues: between <see cref="MinReplicas"/> and <see cref="MaxReplicas"/>, one replica per
/// <see cref="JobsPerReplica"/> jobs of demand (waiting, running, and scheduled jobs already due), and, with
/// <see cref="MaxWaitAge"/>, one more while the oldest waiting job has waited longer than that. Up at once; down only to
/// the highest count recommended during the last <see cref="ScaleDownStabilization"/> (as the Kubernetes HPA and KEDA
/// do), so a pool does not flap. Checked every <see cref="PollingInterval"/>.
/// </summary>
public sealed record AutoscalingPolicy(int MinReplicas, int MaxReplicas, int JobsPerReplica)
{
    /// <summary>The queues the pool reads; left empty, <c>WithAutoscaling</c> sets the default queue (<c>Queue:Name</c>, "jobs").</summary>
    public IReadOnlyList<string> Queues { get; init; } = [];

    /// <summary>With a value, one more replica while the oldest waiting job has waited longer than this.</summary>
    public TimeSpan? MaxWaitAge { get; init; }

    /// <summary>How long every recommendation must have been lower before the pool shrinks.</summary>
    public TimeSpan ScaleDownStabilization { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the queues' demand is read.</summary>
    public TimeSpan PollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The policy, or <see cref="ArgumentException"/> naming what is wrong with it.</summary>
    public AutoscalingPolicy Validate()
    {
        if (MinReplicas < 0 || MaxReplicas < 1 || MinReplicas > MaxReplicas)
        {
            throw new ArgumentException($"Autoscaling bounds must be 0 <= min <= max, max >= 1 (min {MinReplicas}, max {MaxReplicas}).");
        }

        if (JobsPerReplica < 1)
        {
            throw new ArgumentException($"Autoscaling needs at least 1 job per replica (got {JobsPerReplica}).");
        }

        if (ScaleDownStabilization < TimeSpan.Zero || PollingInterval <= TimeSpan.Zero || MaxWaitAge <= TimeSpan.Zero)
        {
            throw new ArgumentException("Autoscaling intervals must be positive (the stabilisation window may be zero).");
        }

        return this;
    }

    /// <summary>The replicas <paramref name="demand"/> calls for, within the bounds, before stabilisation.</summary>
    public int Recommend(QueueDemand demand, int current)
    {
        var wanted = (int)Math.Min(MaxReplicas, (demand.Jobs + JobsPerReplica - 1) / JobsPerReplica);
        if (MaxWaitAge is { } age && demand.OldestWait > age)
        {
            wanted = Math.Max(wanted, current + 1);
        }

        return Math.Clamp(wanted, MinReplicas, MaxReplicas);
    }
}
