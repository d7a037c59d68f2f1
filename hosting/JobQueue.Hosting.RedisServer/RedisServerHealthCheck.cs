using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Healthy when the server accepts the password and answers PING (not while it is still loading its AOF), so
/// <c>WaitFor(redis)</c> starts a dependent only once Redis serves it. Also a cluster node's check: a node answers
/// PING before its cluster is formed, which is what the formation waits for.
/// </summary>
/// <param name="resourceName">The resource checked, for the messages.</param>
/// <param name="connectionString">How to reach the server (one endpoint, with the password).</param>
internal sealed class RedisServerHealthCheck(string resourceName, ReferenceExpression connectionString) : IHealthCheck
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
            // The server itself rather than a database: a cluster node with no slots yet has no database to route to.
            await connection.GetServers()[0].PingAsync().ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{resourceName} does not answer PING yet.", e);
        }
    }
}
