using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>Adds a local Redis Cluster of <c>redis-server</c> executables (no container runtime) to the application model.</summary>
public static class RedisServerClusterBuilderExtensions
{
    /// <summary>
    /// Adds a Redis Cluster: <paramref name="masters"/> masters (3 or more, as <c>redis-cli --cluster create</c> asks)
    /// with <paramref name="replicasPerMaster"/> replicas each, every node a <c>redis-server</c> resource (a child of the
    /// cluster: <c>{name}-0</c>, <c>{name}-1</c>, ...) on loopback with one password and AOF on. Once the nodes answer,
    /// the cluster is formed (the first time; later runs find it in their data); it is healthy when every slot is
    /// served, so <c>WaitFor(cluster)</c> waits for that.
    /// </summary>
    /// <param name="builder">The <see cref="IDistributedApplicationBuilder"/>.</param>
    /// <param name="name">The resource's name; the connection string's name in the projects that reference it.</param>
    /// <param name="masters">How many masters share the slots.</param>
    /// <param name="replicasPerMaster">How many replicas each master has (a replica takes over when its master fails).</param>
    /// <param name="basePort">Node 0's port, the others following it; <see langword="null"/>: free ports, kept in the data directory for the next run.</param>
    /// <param name="password">The password parameter; <see langword="null"/> generates one (secret, letters and digits only).</param>
    public static IResourceBuilder<RedisServerClusterResource> AddRedisServerCluster(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        int masters = 3,
        int replicasPerMaster = 1,
        int? basePort = null,
        IResourceBuilder<ParameterResource>? password = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(masters, 3);
        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerMaster);

        var passwordParameter = password?.Resource
            ?? ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var cluster = new RedisServerClusterResource(name, passwordParameter, Path.Combine(builder.AppHostDirectory, ".data", name), masters, replicasPerMaster);
        var clusterBuilder = builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RedisCluster",
                State = KnownResourceStates.NotStarted,
                Properties = [new("redis.cluster.masters", masters), new("redis.cluster.replicasPerMaster", replicasPerMaster)],
            });

        var nodeCount = masters * (1 + replicasPerMaster);
        for (var index = 0; index < nodeCount; index++)
        {
            AddNode(builder, clusterBuilder, index);
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, startCancellation) =>
        {
            // The ports are decided here, once the data directory is known (WithDataDirectory comes after this call).
            var ports = basePort is { } first ? [.. Enumerable.Range(first, nodeCount)] : RedisClusterPorts.LoadOrChoose(cluster.DataDirectory, nodeCount);
            foreach (var node in cluster.Nodes)
            {
                var endpoint = node.Annotations.OfType<EndpointAnnotation>().Single(a => a.Name == RedisServerResource.PrimaryEndpointName);
                endpoint.Port = ports[node.Index];
                endpoint.TargetPort = ports[node.Index];
            }

            // In the background, for the app's lifetime (not this event's token, which belongs to the start): the
            // nodes it waits for only start after this event, and nothing else would form a resource the orchestrator
            // does not run.
            var formation = new RedisClusterFormation(cluster,
                e.Services.GetRequiredService<ResourceNotificationService>(),
                e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(cluster));
            _ = formation.RunAsync(e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            return Task.CompletedTask;
        });

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new RedisServerClusterHealthCheck(cluster), failureStatus: null, tags: null));
        return clusterBuilder.WithHealthCheck(healthCheckKey);
    }

    /// <summary>Keeps every node's data in <c>{path}/node-{i}</c>, and the nodes' ports in <c>{path}/ports</c> (mode 0700).</summary>
    public static IResourceBuilder<RedisServerClusterResource> WithDataDirectory(this IResourceBuilder<RedisServerClusterResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);

        builder.Resource.DataDirectory = Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory);
        foreach (var node in builder.Resource.Nodes)
        {
            node.DataDirectory = NodeDirectory(builder.Resource, node.Index);
            builder.ApplicationBuilder.CreateResourceBuilder(node).WithWorkingDirectory(node.DataDirectory);
        }

        return builder;
    }

    /// <summary>Sets every node's AOF fsync policy: <c>everysec</c> (the default), <c>always</c> or <c>no</c>.</summary>
    public static IResourceBuilder<RedisServerClusterResource> WithAppendFsync(this IResourceBuilder<RedisServerClusterResource> builder, string policy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.AppendFsync = RedisServerExecutable.ValidAppendFsync(policy);
        return builder;
    }

    private static void AddNode(IDistributedApplicationBuilder builder, IResourceBuilder<RedisServerClusterResource> clusterBuilder, int index)
    {
        var cluster = clusterBuilder.Resource;
        var node = new RedisServerClusterNodeResource($"{cluster.Name}-{index}", cluster, index, NodeDirectory(cluster, index));
        cluster.AddNode(node);

        // The configuration (with the password) is written before each start, a restart by a command included.
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(node, async (_, cancellationToken) =>
        {
            RedisServerExecutable.ThrowIfMissing("redis-server");
            var password = await cluster.PasswordParameter.GetValueAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new DistributedApplicationException($"The password parameter of '{cluster.Name}' has no value.");
            RedisServerConfigFile.CreateDirectory(cluster.DataDirectory);
            RedisServerConfigFile.CreateDirectory(node.DataDirectory);
            RedisServerConfigFile.Write(ConfigPath(node),
            [
                .. RedisServerConfigFile.CommonLines(node.DataDirectory, password, cluster.AppendFsync),
                // A replica authenticates to its master with the same password.
                $"masterauth {RedisServerConfigFile.Quote(password)}",
                "cluster-enabled yes",
                "cluster-config-file nodes.conf",
                $"cluster-node-timeout {((long)cluster.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}",
                // With a timeout this short Redis's default factor (10) would bar a replica that lost its master for
                // more than ~30 s (a master being restarted) from ever taking over, leaving its slots unserved.
                "cluster-replica-validity-factor 0",
            ]);
        });

        var healthCheckKey = $"{node.Name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new RedisServerHealthCheck(node.Name,
                ReferenceExpression.Create($"{node.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={cluster.PasswordParameter}")),
            failureStatus: null, tags: null));

        builder.AddResource(node)
            // The port is fixed (chosen before start, kept across runs): nodes find each other by it, so no proxy.
            .WithEndpoint(scheme: "redis", name: RedisServerResource.PrimaryEndpointName, isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(ConfigPath(node));
                context.Args.Add("--port");
                context.Args.Add(node.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(healthCheckKey)
            .WithParentRelationship(clusterBuilder);
    }

    private static string NodeDirectory(RedisServerClusterResource cluster, int index) => Path.Combine(cluster.DataDirectory, $"node-{index}");

    private static string ConfigPath(RedisServerClusterNodeResource node) => Path.Combine(node.DataDirectory, "redis.conf");
}
