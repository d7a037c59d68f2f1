using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using JobQueue.Hosting.Dashboard;
using JobQueue.Hosting.Dashboard.Telemetry;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Trace.V1;
using Resource = OpenTelemetry.Proto.Resource.V1.Resource;

namespace JobQueue.Tests.Dashboard;

/// <summary>The AppHost's OTLP receiver over gRPC and HTTP/protobuf: only requests with the API key get in.</summary>
[Collection(AppCollection.Name)]
public sealed class OtlpReceiverTests(AppFixture app)
{
    private DashboardEndpoints Endpoints => app.App.Services.GetRequiredService<DashboardEndpoints>();

    private TelemetryStore Store => app.App.Services.GetRequiredService<TelemetryStore>();

    [Fact]
    public async Task Grpc_exports_need_the_api_key()
    {
        using var channel = GrpcChannel.ForAddress(Endpoints.OtlpGrpc);
        var client = new TraceService.TraceServiceClient(channel);
        var (withoutKey, withKey) = (Spans("grpc-no-key"), Spans("grpc-with-key"));

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ExportAsync(withoutKey).ResponseAsync);
        var wrongKey = await Assert.ThrowsAsync<RpcException>(() => client.ExportAsync(withoutKey, Key("wrong")).ResponseAsync);
        await client.ExportAsync(withKey, Key(Endpoints.OtlpApiKey));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrongKey.StatusCode);
        Assert.Null(Store.Trace(TraceIdOf(withoutKey)));
        var stored = Assert.Single(Store.Trace(TraceIdOf(withKey))!.Spans);
        Assert.Equal("grpc-with-key", stored.Name);
        Assert.Equal("otlp-test", stored.Resource);
    }

    [Fact]
    public async Task Http_protobuf_exports_need_the_api_key()
    {
        using var http = new HttpClient { BaseAddress = Endpoints.OtlpHttp };
        var marker = Guid.NewGuid().ToString();

        using var refused = await http.SendAsync(LogsRequest(marker, key: null));
        using var wrongKey = await http.SendAsync(LogsRequest(marker, key: "wrong"));
        using var accepted = await http.SendAsync(LogsRequest(marker, key: Endpoints.OtlpApiKey));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("application/x-protobuf", accepted.Content.Headers.ContentType?.MediaType);
        var log = Assert.Single(Store.Logs(text: marker));
        Assert.Equal("Warning", log.Level);
        Assert.Equal("otlp-test", log.Resource);
    }

    [Fact]
    public async Task Http_exports_that_are_not_protobuf_are_refused()
    {
        using var http = new HttpClient { BaseAddress = Endpoints.OtlpHttp };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/traces") { Content = new StringContent("{}") };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("x-otlp-api-key", Endpoints.OtlpApiKey);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private static Metadata Key(string key) => new() { { "x-otlp-api-key", key } };

    private static string TraceIdOf(ExportTraceServiceRequest request) =>
        Convert.ToHexStringLower(request.ResourceSpans[0].ScopeSpans[0].Spans[0].TraceId.Span);

    private static Resource TestResource() => new()
    {
        Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "otlp-test" } } },
    };

    private static ExportTraceServiceRequest Spans(string name)
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = TestResource(),
                    ScopeSpans =
                    {
                        new ScopeSpans
                        {
                            Spans =
                            {
                                new Span
                                {
                                    TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
                                    SpanId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()[..8]),
                                    Name = name,
                                    StartTimeUnixNano = now,
                                    EndTimeUnixNano = now + 1_000_000,
                                },
                            },
                        },
                    },
                },
            },
        };
    }

    private static HttpRequestMessage LogsRequest(string message, string? key)
    {
        var body = new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    Resource = TestResource(),
                    ScopeLogs =
                    {
                        new ScopeLogs
                        {
                            LogRecords =
                            {
                                new LogRecord
                                {
                                    TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000,
                                    SeverityNumber = 13,
                                    Body = new AnyValue { StringValue = message },
                                },
                            },
                        },
                    },
                },
            },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/logs") { Content = new ByteArrayContent(body.ToByteArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (key is not null)
        {
            request.Headers.Add("x-otlp-api-key", key);
        }

        return request;
    }
}
