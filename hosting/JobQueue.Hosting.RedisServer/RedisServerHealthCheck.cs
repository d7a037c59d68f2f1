using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Healthy when the server accepts the password and answers PING (not while it is still loading its AOF), and, for a
/// cluster, when it sees every slot served (<c>cluster_state:ok</c>); so <c>WaitFor</c> starts a dependent only once
/// Redis serves it.
/// </summary>
internal sealed class RedisServerHealthCheck(string resourceName, ReferenceExpression connectionString, bool requireClusterOk) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var value = await connectionString.GetValueAsync(cancellationToken).ConfigureAwait(false);
        if (value is null)
        {
            return HealthCheckResult.Unhealthy($"{resourceName} has no connection string yet.");
        }

        var options = ConfigurationOptions.Parse(value);
        // One attempt per check: the health check service calls again; a check must not outlive its interval.
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 0;
        options.ConnectTimeout = 2000;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            var server = connection.GetServer(options.EndPoints[0]);
            await server.PingAsync().ConfigureAwait(false);
            if (requireClusterOk && RedisClusterInfo.Field(
                    (string?)await server.ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false), "cluster_state") != "ok")
            {
                return HealthCheckResult.Unhealthy($"{resourceName} is not a formed cluster with every slot served yet.");
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{resourceName} does not answer PING yet.", e);
        }
    }
}
