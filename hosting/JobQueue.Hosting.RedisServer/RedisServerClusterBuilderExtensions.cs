using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>Adds a local Redis Cluster of <c>redis-server</c> executables (no container runtime) to the application model.</summary>
public static class RedisServerClusterBuilderExtensions
{
    /// <summary>
    /// Adds a Redis Cluster: <paramref name="masters"/> masters (3 or more, as <c>redis-cli --cluster create</c> asks)
    /// with <paramref name="replicasPerMaster"/> replicas each, every node a <c>redis-server</c> resource (a child of the
    /// cluster: <c>{name}-0</c>, <c>{name}-1</c>, ...) on loopback with one password and AOF on. Once the nodes run, the
    /// cluster is formed (the first time; later runs find it in their data); it is healthy when every slot is served,
    /// so <c>WaitFor(cluster)</c> waits for that.
    /// </summary>
    /// <param name="builder">The <see cref="IDistributedApplicationBuilder"/>.</param>
    /// <param name="name">The resource's name; the connection string's name in the projects that reference it.</param>
    /// <param name="masters">How many masters share the slots.</param>
    /// <param name="replicasPerMaster">How many replicas each master has (a replica takes over when its master fails).</param>
    /// <param name="basePort">Node 0's port, the others following it; <see langword="null"/>: free ports, kept in the data directory for the next run.</param>
    /// <param name="password">The password parameter; <see langword="null"/> generates one.</param>
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

        // The ports are decided once the data directory is known (WithDataDirectory comes after this call).
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            var ports = basePort is { } first ? [.. Enumerable.Range(first, nodeCount)] : RedisClusterPorts.LoadOrChoose(cluster.DataDirectory, nodeCount);
            foreach (var node in cluster.Nodes)
            {
                var endpoint = node.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == RedisServerResource.PrimaryEndpointName);
                endpoint.Port = ports[node.Index];
                endpoint.TargetPort = ports[node.Index];
            }

            return Task.CompletedTask;
        });

        builder.Eventing.Subscribe<InitializeResourceEvent>(cluster, (e, cancellationToken) =>
        {
            // Not awaited here: the nodes this waits for start after initialization.
            _ = RedisClusterFormation.RunAsync(cluster, e.Notifications, e.Logger, cancellationToken);
            return Task.CompletedTask;
        });

        var healthCheckKey = $"{name}_check";
        var firstNode = cluster.Nodes[0];
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new RedisServerHealthCheck(name,
                ReferenceExpression.Create($"{firstNode.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={cluster.PasswordParameter}"),
                requireClusterOk: true),
            failureStatus: null, tags: null));
        return clusterBuilder.WithHealthCheck(healthCheckKey);
    }

    /// <summary>Keeps every node's data in <c>{path}/node-{i}</c> (mode 0700).</summary>
    public static IResourceBuilder<RedisServerClusterResource> WithDataDirectory(this IResourceBuilder<RedisServerClusterResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);

        builder.Resource.DataDirectory = Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory);
        foreach (var node in builder.Resource.Nodes)
        {
            builder.ApplicationBuilder.CreateResourceBuilder(node).WithWorkingDirectory(NodeDirectory(builder.Resource, node.Index));
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

    private static void AddNode(IDistributedApplicationBuilder builder, IResourceBuilder<RedisServerClusterResource> cluster, int index)
    {
        var node = new RedisServerClusterNodeResource($"{cluster.Resource.Name}-{index}", cluster.Resource, index, NodeDirectory(cluster.Resource, index));
        cluster.Resource.AddNode(node);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(node, async (_, cancellationToken) =>
        {
            RedisServerExecutable.ThrowIfMissing("redis-server");
            var password = await cluster.Resource.PasswordParameter.GetValueAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new DistributedApplicationException($"The password parameter of '{cluster.Resource.Name}' has no value.");
            var directory = NodeDirectory(cluster.Resource, index);
            RedisServerConfigFile.CreateDirectory(cluster.Resource.DataDirectory);
            RedisServerConfigFile.CreateDirectory(directory);
            RedisServerConfigFile.Write(Path.Combine(directory, "redis.conf"),
            [
                .. RedisServerConfigFile.CommonLines(directory, password, cluster.Resource.AppendFsync),
                $"masterauth {RedisServerConfigFile.Quote(password)}",
                "cluster-enabled yes",
                "cluster-config-file nodes.conf",
                $"cluster-node-timeout {((long)cluster.Resource.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}",
            ]);
        });

        var nodeHealthCheckKey = $"{node.Name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(nodeHealthCheckKey,
            _ => new RedisServerHealthCheck(node.Name,
                ReferenceExpression.Create($"{node.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={cluster.Resource.PasswordParameter}"),
                requireClusterOk: false),
            failureStatus: null, tags: null));

        builder.AddResource(node)
            // The port is fixed (chosen before start, kept across runs): nodes find each other by it, so no proxy.
            .WithEndpoint(scheme: "redis", name: RedisServerResource.PrimaryEndpointName, isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(Path.Combine(NodeDirectory(cluster.Resource, index), "redis.conf"));
                context.Args.Add("--port");
                context.Args.Add(node.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(nodeHealthCheckKey)
            .WithParentRelationship(cluster);
    }

    private static string NodeDirectory(RedisServerClusterResource cluster, int index) => Path.Combine(cluster.DataDirectory, $"node-{index}");
}
