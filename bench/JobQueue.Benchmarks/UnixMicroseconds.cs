namespace JobQueue.Benchmarks;

/// <summary>Wall-clock time in microseconds since the Unix epoch: comparable across processes on one machine (Node's side uses the same).</summary>
public static class UnixMicroseconds
{
    public static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10.0;

    /// <summary>The benchmark's job payload: when it was submitted.</summary>
    public static string Payload() => $"{{\"t\":{Now():F0}}}";
}
