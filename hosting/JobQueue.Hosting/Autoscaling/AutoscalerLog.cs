namespace JobQueue.Hosting.Autoscaling;

/// <summary>One change of a pool's size, and why.</summary>
public sealed record ScalingDecision(DateTimeOffset At, string Pool, int From, int To, QueueDemand Demand, string Reason);

/// <summary>A pool's size at one moment, for the replicas-over-time chart.</summary>
public sealed record ReplicaSample(DateTimeOffset At, int Replicas, long Jobs);

/// <summary>
/// What the autoscaler decided and measured, kept in memory for the dashboard: the last <see cref="KeptDecisions"/>
/// decisions and, per pool, the last <see cref="KeptSamples"/> samples (one per poll).
/// </summary>
public sealed class AutoscalerLog
{
    /// <summary>How many decisions are kept, newest first.</summary>
    public const int KeptDecisions = 200;

    /// <summary>How many samples are kept per pool: half an hour at one poll a second.</summary>
    public const int KeptSamples = 1800;

    private readonly Lock _gate = new();
    private readonly Queue<ScalingDecision> _decisions = new();
    private readonly Dictionary<string, Queue<ReplicaSample>> _samples = [];

    /// <summary>The pools the autoscaler sizes.</summary>
    public IReadOnlyList<ScaledPool> Pools { get; internal set; } = [];

    /// <summary>Newest first.</summary>
    public IReadOnlyList<ScalingDecision> Decisions()
    {
        lock (_gate)
        {
            return [.. _decisions.Reverse()];
        }
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<ReplicaSample> Samples(string pool)
    {
        lock (_gate)
        {
            return _samples.TryGetValue(pool, out var samples) ? [.. samples] : [];
        }
    }

    internal void Add(ScalingDecision decision)
    {
        lock (_gate)
        {
            _decisions.Enqueue(decision);
            if (_decisions.Count > KeptDecisions)
            {
                _decisions.Dequeue();
            }
        }
    }

    internal void Add(string pool, ReplicaSample sample)
    {
        lock (_gate)
        {
            var samples = _samples.TryGetValue(pool, out var kept) ? kept : _samples[pool] = new Queue<ReplicaSample>();
            samples.Enqueue(sample);
            if (samples.Count > KeptSamples)
            {
                samples.Dequeue();
            }
        }
    }
}
