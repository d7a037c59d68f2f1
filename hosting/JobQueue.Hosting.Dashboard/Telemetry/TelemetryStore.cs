using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Metrics.V1;
using static JobQueue.Hosting.Dashboard.Telemetry.OtlpValues;

namespace JobQueue.Hosting.Dashboard.Telemetry;

/// <summary>
/// Telemetry received over OTLP, held in memory within <see cref="TelemetryLimits"/> (the oldest goes first),
/// so memory stays bounded however long the app runs. <see cref="Version"/> changes on every addition, so
/// pages can tell when to redraw.
/// </summary>
public sealed class TelemetryStore(IOptions<TelemetryLimits> options)
{
    private readonly TelemetryLimits _limits = options.Value;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<LogEntry>> _logs = [];
    private readonly Dictionary<string, TraceEntry> _traces = [];
    private readonly Queue<string> _traceOrder = new();
    private readonly Dictionary<(string Instance, string Name), Instrument> _instruments = [];
    private readonly Dictionary<string, Queue<Instrument>> _pointOrder = [];
    private long _nextLogId;
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public void Add(ExportLogsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceLogs in request.ResourceLogs)
            {
                var (resource, instance) = Identity(resourceLogs.Resource);
                var logs = GetOrAdd(_logs, resource);
                foreach (var scope in resourceLogs.ScopeLogs)
                {
                    foreach (var record in scope.LogRecords)
                    {
                        logs.Enqueue(new LogEntry(
                            ++_nextLogId,
                            Time(record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano),
                            resource,
                            instance,
                            Level(record.SeverityNumber),
                            record.SeverityNumber,
                            Text(record.Body),
                            scope.Scope?.Name ?? "",
                            Id(record.TraceId),
                            Id(record.SpanId),
                            Attributes(record.Attributes)));
                        if (logs.Count > _limits.MaxLogCount)
                        {
                            logs.Dequeue();
                        }
                    }
                }
            }

            _version++;
        }
    }

    /// <summary>A log record the dashboard itself writes (its action log), shown as resource <paramref name="resource"/>.</summary>
    public void Add(string resource, LogLevel level, string message, string category, IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        lock (_gate)
        {
            var logs = GetOrAdd(_logs, resource);
            // OTLP severity numbers: 5 DEBUG, 9 INFO, 13 WARN, 17 ERROR, 21 FATAL.
            var severity = level switch { LogLevel.Trace => 1, LogLevel.Debug => 5, LogLevel.Information => 9, LogLevel.Warning => 13, LogLevel.Error => 17, _ => 21 };
            logs.Enqueue(new LogEntry(++_nextLogId, DateTimeOffset.UtcNow, resource, resource, Level(severity), severity, message, category, null, null, attributes));
            if (logs.Count > _limits.MaxLogCount)
            {
                logs.Dequeue();
            }

            _version++;
        }
    }

    public void Add(ExportTraceServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceSpans in request.ResourceSpans)
            {
                var (resource, instance) = Identity(resourceSpans.Resource);
                foreach (var scope in resourceSpans.ScopeSpans)
                {
                    foreach (var span in scope.Spans)
                    {
                        var traceId = Id(span.TraceId) ?? "";
                        if (!_traces.TryGetValue(traceId, out var trace))
                        {
                            _traces[traceId] = trace = new TraceEntry(traceId);
                            _traceOrder.Enqueue(traceId);
                            if (_traceOrder.Count > _limits.MaxTraceCount)
                            {
                                _traces.Remove(_traceOrder.Dequeue());
                            }
                        }

                        trace.Spans.Add(new SpanEntry(
                            traceId,
                            Id(span.SpanId) ?? "",
                            Id(span.ParentSpanId),
                            span.Name,
                            span.Kind.ToString().Replace("SpanKind", "", StringComparison.Ordinal),
                            Time(span.StartTimeUnixNano),
                            Time(span.EndTimeUnixNano),
                            span.Status?.Code == OpenTelemetry.Proto.Trace.V1.Status.Types.StatusCode.Error,
                            span.Status?.Message is { Length: > 0 } message ? message : null,
                            resource,
                            instance,
                            scope.Scope?.Name ?? "",
                            Attributes(span.Attributes)));
                    }
                }
            }

            _version++;
        }
    }

    public void Add(ExportMetricsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceMetrics in request.ResourceMetrics)
            {
                var (resource, instance) = Identity(resourceMetrics.Resource);
                var order = GetOrAdd(_pointOrder, resource);
                foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(s => s.Metrics))
                {
                    if (Summarize(metric) is not { } point)
                    {
                        continue;
                    }

                    if (!_instruments.TryGetValue((instance, metric.Name), out var instrument))
                    {
                        _instruments[(instance, metric.Name)] = instrument =
                            new Instrument(resource, instance, metric.Name, metric.Description, metric.Unit, point.Kind);
                    }

                    instrument.Points.Enqueue(point.Point);
                    order.Enqueue(instrument);
                    if (order.Count > _limits.MaxMetricPointCount)
                    {
                        order.Dequeue().Points.Dequeue();
                    }
                }
            }

            _version++;
        }
    }

    public IReadOnlyList<string> Resources()
    {
        lock (_gate)
        {
            return [.. _logs.Keys.Concat(_pointOrder.Keys).Concat(_traces.Values.SelectMany(t => t.Spans.Select(s => s.Resource))).Distinct().Order()];
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<LogEntry> Logs(string? resource = null, int minSeverity = 0, string? text = null, int limit = 500)
    {
        lock (_gate)
        {
            return [.. _logs.Where(l => resource is null || l.Key == resource)
                .SelectMany(l => l.Value)
                .Where(l => l.SeverityNumber >= minSeverity)
                .Where(l => string.IsNullOrEmpty(text) || l.Message.Contains(text, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(l => l.Id)
                .Take(limit)];
        }
    }

    /// <summary>The log records written within one trace (a job's, across the api and worker), oldest first.</summary>
    public IReadOnlyList<LogEntry> LogsOfTrace(string traceId, int limit = 500)
    {
        lock (_gate)
        {
            return [.. _logs.Values.SelectMany(l => l).Where(l => l.TraceId == traceId).OrderBy(l => l.Time).ThenBy(l => l.Id).Take(limit)];
        }
    }

    /// <summary>Newest first; each a snapshot safe to read outside the store.</summary>
    public IReadOnlyList<TraceEntry> Traces(int limit = 200)
    {
        lock (_gate)
        {
            return [.. _traceOrder.Reverse().Take(limit).Select(id => Copy(_traces[id]))];
        }
    }

    public TraceEntry? Trace(string traceId)
    {
        lock (_gate)
        {
            return _traces.TryGetValue(traceId, out var trace) ? Copy(trace) : null;
        }
    }

    /// <summary>Instruments per replica, each with a copy of its points.</summary>
    public IReadOnlyList<Instrument> Instruments(string resource)
    {
        lock (_gate)
        {
            return [.. _instruments.Values.Where(i => i.Resource == resource).Select(Copy).OrderBy(i => i.Name).ThenBy(i => i.Instance)];
        }
    }

    private static (InstrumentKind Kind, MetricPoint Point)? Summarize(Metric metric)
    {
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge when metric.Gauge.DataPoints.Count > 0:
                return (InstrumentKind.Gauge, Point(metric.Gauge.DataPoints));
            case Metric.DataOneofCase.Sum when metric.Sum.DataPoints.Count > 0:
                return (metric.Sum.IsMonotonic ? InstrumentKind.Counter : InstrumentKind.UpDownCounter, Point(metric.Sum.DataPoints));
            case Metric.DataOneofCase.Histogram when metric.Histogram.DataPoints.Count > 0:
                var points = metric.Histogram.DataPoints;
                return (InstrumentKind.Histogram, new MetricPoint(
                    Time(points.Max(p => p.TimeUnixNano)), points.Sum(p => p.HasSum ? p.Sum : 0), (ulong)points.Sum(p => (decimal)p.Count)));
            default:
                return null;
        }

        static MetricPoint Point(IList<NumberDataPoint> points) => new(
            Time(points.Max(p => p.TimeUnixNano)),
            points.Sum(p => p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble),
            0);
    }

    private static TraceEntry Copy(TraceEntry trace)
    {
        var copy = new TraceEntry(trace.TraceId);
        copy.Spans.AddRange(trace.Spans);
        return copy;
    }

    private static Instrument Copy(Instrument instrument)
    {
        var copy = new Instrument(instrument.Resource, instrument.Instance, instrument.Name, instrument.Description, instrument.Unit, instrument.Kind);
        foreach (var point in instrument.Points)
        {
            copy.Points.Enqueue(point);
        }

        return copy;
    }

    private static Queue<T> GetOrAdd<T>(Dictionary<string, Queue<T>> map, string key)
    {
        if (!map.TryGetValue(key, out var queue))
        {
            map[key] = queue = new Queue<T>();
        }

        return queue;
    }
}
