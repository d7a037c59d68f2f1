using Grpc.Core;
using Grpc.Core.Interceptors;
using JobQueue.Hosting.Dashboard.Telemetry;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace JobQueue.Hosting.Dashboard.Otlp;

/// <summary>Refuses every OTLP gRPC call without the right <c>x-otlp-api-key</c> metadata (UNAUTHENTICATED).</summary>
public sealed class OtlpApiKeyInterceptor(OtlpApiKey apiKey) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!apiKey.Matches(context.RequestHeaders.GetValue(OtlpApiKey.HeaderName)))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Missing or wrong {OtlpApiKey.HeaderName}."));
        }

        return continuation(request, context);
    }
}

public sealed class OtlpTraceService(TelemetryStore store) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        store.Add(request);
        return Task.FromResult(new ExportTraceServiceResponse());
    }
}

public sealed class OtlpLogsService(TelemetryStore store) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        store.Add(request);
        return Task.FromResult(new ExportLogsServiceResponse());
    }
}

public sealed class OtlpMetricsService(TelemetryStore store) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        store.Add(request);
        return Task.FromResult(new ExportMetricsServiceResponse());
    }
}
