using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>Healthy while Redis answers PING.</summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e.IsRedisFailure())
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", e);
        }
    }
}
