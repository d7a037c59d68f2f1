using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Ready once this API process hears job changes (<see cref="JobEventHub.Listening"/>): until then a client following a
/// job would miss its intermediate states, so a load balancer (or Aspire's WaitFor) should not send it one.
/// </summary>
public sealed class JobEventsHealthCheck(JobEventHub hub) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(hub.Listening
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Not yet subscribed to job changes."));
}
