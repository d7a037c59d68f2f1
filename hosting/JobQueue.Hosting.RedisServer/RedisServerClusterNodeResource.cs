namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// One <c>redis-server</c> of a <see cref="RedisServerClusterResource"/>, in cluster mode on a port of its own kept
/// across runs (a cluster's nodes know each other by port). Shown under its cluster through a parent relationship, not
/// <see cref="IResourceWithParent"/>: that would make the node wait on the cluster's health, which waits for the nodes.
/// </summary>
/// <param name="name">The node's resource name, <c>{cluster}-{index}</c>.</param>
/// <param name="cluster">The cluster the node belongs to.</param>
/// <param name="index">The node's number in its cluster, 0 first.</param>
/// <param name="dataDirectory">Where the node keeps its data, <c>nodes.conf</c> and generated <c>redis.conf</c>.</param>
public sealed class RedisServerClusterNodeResource(string name, RedisServerClusterResource cluster, int index, string dataDirectory)
    : ExecutableResource(name, "redis-server", dataDirectory)
{
    private EndpointReference? _primaryEndpoint;

    /// <summary>The cluster the node belongs to.</summary>
    public RedisServerClusterResource Cluster { get; } = cluster;

    /// <summary>The node's number in its cluster, 0 first.</summary>
    public int Index { get; } = index;

    /// <summary>Where the node keeps its data, <c>nodes.conf</c> and generated <c>redis.conf</c>.</summary>
    public string DataDirectory { get; internal set; } = dataDirectory;

    /// <summary>The node's endpoint.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, RedisServerResource.PrimaryEndpointName);
}
