using System.Security.Cryptography;
using JobQueue.Hosting.Dashboard.Telemetry;
using JobQueue.Hosting;
using JobQueue.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JobQueue.Hosting.Dashboard;

public static class DashboardBuilderExtensions
{
    /// <summary>
    /// Serves the dashboard from the AppHost (<c>Dashboard:Port</c>, 18888) with an OTLP receiver (gRPC on
    /// <c>Dashboard:OtlpGrpcPort</c>, 4317; HTTP/protobuf on <c>Dashboard:OtlpHttpPort</c>, 4318), and points
    /// every project at it. <paramref name="queueDashboard"/> is the project that mounts the queue dashboard (the
    /// JobQueue.Dashboard package) at <paramref name="queueDashboardPath"/>: the AppHost's dashboard links to it, and it
    /// links each job's trace back here. With <c>Dashboard:Enabled=false</c> it does nothing: projects inherit the
    /// AppHost's own OTEL_* variables.
    /// </summary>
    public static IDistributedApplicationBuilder AddDashboard(
        this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource>? queueDashboard = null, string queueDashboardPath = "/dashboard")
    {
        var options = builder.Configuration.GetSection(DashboardOptions.SectionName).Get<DashboardOptions>() ?? new DashboardOptions();
        // Published apps send their telemetry to the cluster's own OTLP backend: the dashboard is for the local run.
        if (!options.Enabled || builder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        int Port(int requested, string listener, string setting)
        {
            if (builder.RandomizePorts)
            {
                return PortAllocator.FreePort();
            }

            PortAllocator.ThrowIfInUse(requested, listener, $"{DashboardOptions.SectionName}:{setting}");
            return requested;
        }

        var endpoints = new DashboardEndpoints(
            new Uri($"http://127.0.0.1:{Port(options.Port, "dashboard", nameof(options.Port))}"),
            new Uri($"http://127.0.0.1:{Port(options.OtlpGrpcPort, "dashboard OTLP/gRPC receiver", nameof(options.OtlpGrpcPort))}"),
            new Uri($"http://127.0.0.1:{Port(options.OtlpHttpPort, "dashboard OTLP/HTTP receiver", nameof(options.OtlpHttpPort))}"),
            options.BrowserToken ?? NewSecret(),
            NewSecret());

        builder.Services.AddSingleton(endpoints);
        builder.Services.AddOptions<TelemetryLimits>().Configure(limits =>
        {
            limits.MaxLogCount = options.Limits.MaxLogCount;
            limits.MaxTraceCount = options.Limits.MaxTraceCount;
            limits.MaxMetricPointCount = options.Limits.MaxMetricPointCount;
        });
        builder.Services.AddSingleton<TelemetryStore>();
        builder.Services.AddSingleton(new QueueDashboardLink(() =>
            queueDashboard?.Resource.Endpoints.FirstOrDefault() is { } api ? new Uri(api.Url, queueDashboardPath) : null));
        queueDashboard?.WithEnvironment("Api__Dashboard__TraceUrlTemplate", $"{endpoints.Dashboard.ToString().TrimEnd('/')}/traces/{{traceId}}");
        builder.Services.AddSingleton<IDistributedApplicationLifecycleHook, OtlpEnvironmentHook>();
        builder.Services.AddHostedService<DashboardWebHost>();
        return builder;
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
