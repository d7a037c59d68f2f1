namespace JobQueue.Hosting.Dashboard.Telemetry;

/// <summary>A structured log record as received over OTLP.</summary>
public sealed record LogEntry(
    long Id,
    DateTimeOffset Time,
    string Resource,
    string Instance,
    string Level,
    int SeverityNumber,
    string Message,
    string Category,
    string? TraceId,
    string? SpanId,
    IReadOnlyList<KeyValuePair<string, string>> Attributes);

/// <summary>One span of a trace.</summary>
public sealed record SpanEntry(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    DateTimeOffset Start,
    DateTimeOffset End,
    bool IsError,
    string? StatusMessage,
    string Resource,
    string Instance,
    string Scope,
    IReadOnlyList<KeyValuePair<string, string>> Attributes)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>All spans received so far for one trace id, from every resource.</summary>
public sealed class TraceEntry(string traceId)
{
    public string TraceId => traceId;

    public List<SpanEntry> Spans { get; } = [];

    public DateTimeOffset Start => Spans.Min(s => s.Start);

    public TimeSpan Duration => Spans.Max(s => s.End) - Start;

    /// <summary>The span without a parent among those received (the earliest if several).</summary>
    public SpanEntry Root =>
        Spans.Where(s => s.ParentSpanId is null || Spans.All(p => p.SpanId != s.ParentSpanId)).MinBy(s => s.Start) ?? Spans[0];

    public IReadOnlyList<string> Resources => [.. Spans.Select(s => s.Resource).Distinct().Order()];

    public int ErrorCount => Spans.Count(s => s.IsError);
}

public enum InstrumentKind
{
    Gauge,
    Counter,
    UpDownCounter,
    Histogram,
}

/// <summary>One export of an instrument by one replica, summed over its attribute sets.</summary>
public sealed record MetricPoint(DateTimeOffset Time, double Value, ulong Count);

/// <summary>An instrument as reported by one replica.</summary>
public sealed class Instrument(string resource, string instance, string name, string description, string unit, InstrumentKind kind)
{
    public string Resource => resource;

    public string Instance => instance;

    public string Name => name;

    public string Description => description;

    public string Unit => unit;

    public InstrumentKind Kind => kind;

    public Queue<MetricPoint> Points { get; } = new();
}
