using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Aspire.Hosting;

/// <summary>
/// Brings a <see cref="RedisServerClusterResource"/> up once its nodes answer: forms it with
/// <c>redis-cli --cluster create</c> the first time (afterwards the nodes find each other in their <c>nodes.conf</c>)
/// and publishes its state, Starting then Running, which the orchestrator does not do for a resource it does not run.
/// Running is not healthy: the cluster's health check (every slot served) is what <c>WaitFor(cluster)</c> waits for.
/// </summary>
internal sealed partial class RedisClusterFormation(RedisServerClusterResource cluster, ResourceNotificationService notifications, ILogger logger)
{
    /// <summary>How long <c>redis-cli --cluster create</c> may take (it waits for the nodes to agree) before the start fails.</summary>
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Once the orchestrator starts the nodes: an update published before would be replaced by its initial one.
            await notifications.WaitForResourceAsync(cluster.Nodes[0].Name,
                [KnownResourceStates.Starting, KnownResourceStates.Running], cancellationToken).ConfigureAwait(false);
            await notifications.PublishUpdateAsync(cluster, state => state with
            {
                State = KnownResourceStates.Starting,
                StartTimeStamp = DateTime.UtcNow,
            }).ConfigureAwait(false);

            foreach (var node in cluster.Nodes)
            {
                // A node that fails to start fails the cluster's start rather than leaving it Starting for ever.
                await notifications.WaitForResourceHealthyAsync(node.Name, WaitBehavior.StopOnResourceUnavailable, cancellationToken).ConfigureAwait(false);
            }

            LogNodesAnswer(logger, cluster.Name, cluster.Nodes.Count);
            var password = await cluster.PasswordParameter.GetValueAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new DistributedApplicationException($"The password parameter of '{cluster.Name}' has no value.");
            var endpoints = cluster.Nodes
                .Select(node => $"127.0.0.1:{node.PrimaryEndpoint.Port.ToString(CultureInfo.InvariantCulture)}")
                .ToList();
            var knownNodes = await Task.WhenAll(endpoints.Select(endpoint => KnownNodesAsync(endpoint, password))).ConfigureAwait(false);
            if (knownNodes.All(known => known == 1))
            {
                LogForming(logger, cluster.Name, cluster.Masters, cluster.ReplicasPerMaster);
                await CreateAsync(endpoints, password, cancellationToken).ConfigureAwait(false);
                LogFormed(logger, cluster.Name);
            }
            else if (knownNodes.All(known => known == endpoints.Count))
            {
                LogFoundFormed(logger, cluster.Name, endpoints.Count);
            }
            else
            {
                // Some nodes lost their nodes.conf, or the node count changed: joining them by hand could lose data.
                throw new DistributedApplicationException(
                    $"The nodes of '{cluster.Name}' know {string.Join(", ", knownNodes)} nodes of {endpoints.Count}: the cluster in " +
                    $"'{cluster.DataDirectory}' is only partly formed. Delete that directory to form a new one, or repair it with redis-cli --cluster fix.");
            }

            await notifications.PublishUpdateAsync(cluster, state => state with { State = KnownResourceStates.Running }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The app stops before the cluster was up: nothing to report.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever the cause: this runs in the background, where an exception not caught here is seen by no one.
            LogFailed(logger, e, cluster.Name);
            await notifications.PublishUpdateAsync(cluster, state => state with { State = KnownResourceStates.FailedToStart }).ConfigureAwait(false);
        }
    }

    /// <summary><c>cluster_known_nodes</c> of one node: 1 until it is part of a formed cluster.</summary>
    private static async Task<int> KnownNodesAsync(string endpoint, string password)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.Password = password;
        options.AbortOnConnectFail = true;
        // StackExchange.Redis refuses CLUSTER (an admin command to it) without this.
        options.AllowAdmin = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        var info = (string?)await connection.GetServers()[0].ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false);
        return int.Parse(RedisClusterInfo.Field(info, "cluster_known_nodes") ?? "0", CultureInfo.InvariantCulture);
    }

    private async Task CreateAsync(IReadOnlyList<string> endpoints, string password, CancellationToken cancellationToken)
    {
        RedisServerExecutable.ThrowIfMissing("redis-cli");
        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--cluster", "create", .. endpoints,
                     "--cluster-replicas", cluster.ReplicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"])
        {
            create.ArgumentList.Add(arg);
        }

        // Through the environment, not -a: a command line is readable by every user of the machine (/proc/*/cmdline).
        create.Environment["REDISCLI_AUTH"] = password;
        using var process = Process.Start(create)
            ?? throw new DistributedApplicationException("redis-cli --cluster create did not start.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CreateTimeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new DistributedApplicationException($"redis-cli --cluster create did not finish in {CreateTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            // redis-cli's own words (no password in them: it only ever had it in its environment).
            throw new DistributedApplicationException(
                $"redis-cli --cluster create failed ({process.ExitCode}): {await errors.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forming Redis Cluster {Cluster}: {Masters} masters, {ReplicasPerMaster} replicas each")]
    private static partial void LogForming(ILogger logger, string cluster, int masters, int replicasPerMaster);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis Cluster {Cluster}: its {Nodes} nodes answer")]
    private static partial void LogNodesAnswer(ILogger logger, string cluster, int nodes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis Cluster {Cluster} formed")]
    private static partial void LogFormed(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis Cluster {Cluster} found formed: its {Nodes} nodes know each other from their nodes.conf")]
    private static partial void LogFoundFormed(ILogger logger, string cluster, int nodes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis Cluster {Cluster} could not be brought up")]
    private static partial void LogFailed(ILogger logger, Exception exception, string cluster);
}
