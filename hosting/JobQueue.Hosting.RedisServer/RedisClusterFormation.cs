using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Aspire.Hosting;

/// <summary>
/// Forms a <see cref="RedisServerClusterResource"/> once its nodes answer (<c>redis-cli --cluster create</c>, the first
/// time only: afterwards the nodes find each other in their <c>nodes.conf</c>) and tells the dashboard its state.
/// </summary>
internal static class RedisClusterFormation
{
    public static async Task RunAsync(RedisServerClusterResource cluster, ResourceNotificationService notifications, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await notifications.PublishUpdateAsync(cluster, state => state with { State = KnownResourceStates.Starting }).ConfigureAwait(false);
            foreach (var node in cluster.Nodes)
            {
                await notifications.WaitForResourceHealthyAsync(node.Name, cancellationToken).ConfigureAwait(false);
            }

            var password = (await cluster.PasswordParameter.GetValueAsync(cancellationToken).ConfigureAwait(false))!;
            var endpoints = cluster.Nodes.Select(node => $"127.0.0.1:{node.PrimaryEndpoint.Port.ToString(CultureInfo.InvariantCulture)}").ToList();
            if (await KnownNodesAsync(endpoints[0], password).ConfigureAwait(false) == "1")
            {
                logger.LogInformation("Forming Redis Cluster {Cluster}: {Masters} masters, {Replicas} replicas each", cluster.Name, cluster.Masters, cluster.ReplicasPerMaster);
                await CreateAsync(endpoints, cluster.ReplicasPerMaster, password, cancellationToken).ConfigureAwait(false);
            }

            await notifications.PublishUpdateAsync(cluster, state => state with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is DistributedApplicationException or RedisException or InvalidOperationException)
        {
            logger.LogError(e, "Redis Cluster {Cluster} could not be formed", cluster.Name);
            await notifications.PublishUpdateAsync(cluster, state => state with { State = KnownResourceStates.FailedToStart }).ConfigureAwait(false);
        }
    }

    private static async Task<string?> KnownNodesAsync(string endpoint, string password)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{endpoint},password={password}").ConfigureAwait(false);
        var info = (string?)await connection.GetServer(endpoint).ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false);
        return RedisClusterInfo.Field(info, "cluster_known_nodes");
    }

    private static async Task CreateAsync(IReadOnlyList<string> endpoints, int replicasPerMaster, string password, CancellationToken cancellationToken)
    {
        RedisServerExecutable.ThrowIfMissing("redis-cli");
        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--cluster", "create", .. endpoints,
                     "--cluster-replicas", replicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"])
        {
            create.ArgumentList.Add(arg);
        }

        // Through the environment, not -a: a command line is visible to every user of the machine.
        create.Environment["REDISCLI_AUTH"] = password;
        using var process = Process.Start(create)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"redis-cli --cluster create failed ({process.ExitCode}): {await errors.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }
}
