using Google.Protobuf;
using JobQueue.Hosting.Dashboard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace JobQueue.Hosting.Dashboard.Otlp;

/// <summary>OTLP/HTTP with protobuf bodies: <c>POST /v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>.</summary>
public static class OtlpHttpEndpoints
{
    private const string Protobuf = "application/x-protobuf";
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    public static RouteGroupBuilder MapOtlpHttp(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1");
        group.MapPost("/traces", (HttpContext http, TelemetryStore store, OtlpApiKey key) =>
            ReceiveAsync(http, key, ExportTraceServiceRequest.Parser, store.Add, new ExportTraceServiceResponse()));
        group.MapPost("/logs", (HttpContext http, TelemetryStore store, OtlpApiKey key) =>
            ReceiveAsync(http, key, ExportLogsServiceRequest.Parser, store.Add, new ExportLogsServiceResponse()));
        group.MapPost("/metrics", (HttpContext http, TelemetryStore store, OtlpApiKey key) =>
            ReceiveAsync(http, key, ExportMetricsServiceRequest.Parser, store.Add, new ExportMetricsServiceResponse()));
        return group;
    }

    private static async Task<IResult> ReceiveAsync<TRequest>(
        HttpContext http, OtlpApiKey key, MessageParser<TRequest> parser, Action<TRequest> store, IMessage response)
        where TRequest : IMessage<TRequest>
    {
        if (!key.Matches(http.Request.Headers[OtlpApiKey.HeaderName]))
        {
            return Results.Problem($"Missing or wrong {OtlpApiKey.HeaderName}.", statusCode: StatusCodes.Status401Unauthorized);
        }

        if (http.Request.ContentType?.StartsWith(Protobuf, StringComparison.OrdinalIgnoreCase) != true)
        {
            return Results.Problem($"Send OTLP as {Protobuf}.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        if (body.Length > MaxBodyBytes)
        {
            return Results.Problem("Export too large.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        TRequest request;
        try
        {
            request = parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (InvalidProtocolBufferException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Not an OTLP protobuf message");
        }

        store(request);
        return Results.Bytes(response.ToByteArray(), Protobuf);
    }
}
