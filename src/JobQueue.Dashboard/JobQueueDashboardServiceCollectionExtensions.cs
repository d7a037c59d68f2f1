using JobQueue.Dashboard;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class JobQueueDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <c>MapJobQueueDashboard</c> serves: server-rendered Razor pages, antiforgery, the options (validated on
    /// start) and the sampler behind the queues' charts. The queues themselves come from <c>AddJobQueue</c>, which the
    /// app calls too.
    /// </summary>
    public static IServiceCollection AddJobQueueDashboard(this IServiceCollection services, Action<JobQueueDashboardOptions>? configure = null)
    {
        var options = services.AddOptions<JobQueueDashboardOptions>().ValidateDataAnnotations()
            .Validate(o => o.TraceUrlTemplate is null || o.TraceUrlTemplate.Contains("{traceId}", StringComparison.Ordinal),
                "JobQueue dashboard: TraceUrlTemplate must contain {traceId}.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(s => s.ServiceType == typeof(QueueHistory)))
        {
            return services;
        }

        services.AddRazorComponents();
        services.AddAntiforgery();
        services.AddSingleton<QueueHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueHistory>());
        return services;
    }
}
