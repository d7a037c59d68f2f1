using Google.Protobuf;
using JobQueue.Hosting.Dashboard.Telemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Trace.V1;
using Resource = OpenTelemetry.Proto.Resource.V1.Resource;

namespace JobQueue.Tests.Dashboard;

/// <summary>However much telemetry arrives, the store keeps the newest within its limits.</summary>
public sealed class TelemetryStoreTests
{
    private readonly TelemetryStore _store = new(Options.Create(new TelemetryLimits { MaxLogCount = 10, MaxTraceCount = 5, MaxMetricPointCount = 20 }));

    [Fact]
    public void Logs_are_capped_per_resource_keeping_the_newest()
    {
        for (var i = 0; i < 100; i++)
        {
            _store.Add(Log("api", $"api {i}"));
            _store.Add(Log("worker", $"worker {i}"));
        }

        Assert.Equal(10, _store.Logs("api", limit: 1000).Count);
        Assert.Equal("api 99", _store.Logs("api")[0].Message);
        Assert.Equal("api 90", _store.Logs("api")[^1].Message);
        Assert.Equal(10, _store.Logs("worker", limit: 1000).Count);
    }

    [Fact]
    public void Traces_are_capped_dropping_the_oldest()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid().ToByteArray()).ToList();
        foreach (var id in ids)
        {
            _store.Add(Span(id));
        }

        Assert.Equal(5, _store.Traces(limit: 1000).Count);
        Assert.NotNull(_store.Trace(Convert.ToHexStringLower(ids[^1])));
        Assert.Null(_store.Trace(Convert.ToHexStringLower(ids[0])));
    }

    [Fact]
    public void Metric_points_are_capped_per_resource_across_instruments()
    {
        for (var i = 0; i < 100; i++)
        {
            _store.Add(Counter("worker", "a", i));
            _store.Add(Counter("worker", "b", i));
        }

        var instruments = _store.Instruments("worker");
        Assert.Equal(20, instruments.Sum(x => x.Points.Count));
        Assert.Equal(99, instruments.First(x => x.Name == "a").Points.Last().Value);
    }

    private static Resource Named(string name) => new()
    {
        Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = name } } },
    };

    private static ExportLogsServiceRequest Log(string resource, string message) => new()
    {
        ResourceLogs =
        {
            new ResourceLogs
            {
                Resource = Named(resource),
                ScopeLogs = { new ScopeLogs { LogRecords = { new LogRecord { SeverityNumber = 9, Body = new AnyValue { StringValue = message } } } } },
            },
        },
    };

    private static ExportTraceServiceRequest Span(byte[] traceId) => new()
    {
        ResourceSpans =
        {
            new ResourceSpans
            {
                Resource = Named("api"),
                ScopeSpans = { new ScopeSpans { Spans = { new Span { TraceId = ByteString.CopyFrom(traceId), SpanId = ByteString.CopyFrom(traceId[..8]), Name = "s" } } } },
            },
        },
    };

    private static ExportMetricsServiceRequest Counter(string resource, string name, int value) => new()
    {
        ResourceMetrics =
        {
            new ResourceMetrics
            {
                Resource = Named(resource),
                ScopeMetrics =
                {
                    new ScopeMetrics
                    {
                        Metrics =
                        {
                            new Metric
                            {
                                Name = name,
                                Sum = new Sum { IsMonotonic = true, DataPoints = { new NumberDataPoint { AsInt = value, TimeUnixNano = (ulong)value } } },
                            },
                        },
                    },
                },
            },
        },
    };
}
