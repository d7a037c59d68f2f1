using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Healthy when every master that answers says <c>cluster_state:ok</c> with all 16384 slots served, so
/// <c>WaitFor(cluster)</c> starts a dependent only once every key has a master; and unhealthy again while a failed
/// master's slots wait for a replica to take them over.
/// </summary>
internal sealed class RedisServerClusterHealthCheck(RedisServerClusterResource cluster) : IHealthCheck
{
    private const int SlotCount = 16384;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var value = await cluster.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
        if (value is null)
        {
            return HealthCheckResult.Unhealthy($"{cluster.Name} has no connection string yet.");
        }

        var options = ConfigurationOptions.Parse(value);
        // One attempt per check (the health check service calls again); a node that is down (being restarted) does
        // not fail the check by itself: its slots are then either served by a replica or reported not ok by the others.
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 0;
        options.ConnectTimeout = 2000;
        // StackExchange.Redis refuses CLUSTER (an admin command to it) without this.
        options.AllowAdmin = true;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            var masters = connection.GetServers().Where(server => server.IsConnected && !server.IsReplica).ToList();
            if (masters.Count == 0)
            {
                return HealthCheckResult.Unhealthy($"{cluster.Name} has no master answering yet.");
            }

            foreach (var master in masters)
            {
                var info = (string?)await master.ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false);
                if (RedisClusterInfo.Field(info, "cluster_state") != "ok"
                    || RedisClusterInfo.Field(info, "cluster_slots_ok") != SlotCount.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    return HealthCheckResult.Unhealthy(
                        $"{cluster.Name}: the master at {master.EndPoint} does not see every slot served (cluster_state:{RedisClusterInfo.Field(info, "cluster_state")}).");
                }
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{cluster.Name} does not answer yet.", e);
        }
    }
}
