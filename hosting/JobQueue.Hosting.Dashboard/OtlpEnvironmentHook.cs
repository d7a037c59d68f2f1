using JobQueue.Hosting;

namespace JobQueue.Hosting.Dashboard;

/// <summary>
/// Points every project at the dashboard's OTLP receiver with the variables Aspire injects, including its
/// development export delays (1 s) so telemetry shows up within about a second.
/// </summary>
internal sealed class OtlpEnvironmentHook(DashboardEndpoints endpoints) : IDistributedApplicationLifecycleHook
{
    public Task BeforeStartAsync(DistributedApplicationModel model, CancellationToken cancellationToken)
    {
        foreach (var project in model.Resources.OfType<ProjectResource>())
        {
            project.EnvironmentCallbacks.Add(context =>
            {
                var variables = context.EnvironmentVariables;
                variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoints.OtlpGrpc.ToString().TrimEnd('/');
                variables["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
                variables["OTEL_EXPORTER_OTLP_HEADERS"] = $"{Otlp.OtlpApiKey.HeaderName}={endpoints.OtlpApiKey}";
                variables["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
                variables["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
                variables["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
                variables["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based";
                variables["OTEL_TRACES_SAMPLER"] = "always_on";
            });
        }

        return Task.CompletedTask;
    }
}
