namespace JobQueue.Hosting.Dashboard.Telemetry;

/// <summary>How much telemetry the dashboard keeps in memory (Aspire's defaults); the oldest is dropped first.</summary>
public sealed class TelemetryLimits
{
    /// <summary>Log records kept per resource.</summary>
    public int MaxLogCount { get; set; } = 10_000;

    /// <summary>Traces kept in all.</summary>
    public int MaxTraceCount { get; set; } = 10_000;

    /// <summary>Metric points kept per resource, over all its instruments and replicas.</summary>
    public int MaxMetricPointCount { get; set; } = 50_000;
}
