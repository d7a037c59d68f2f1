namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// One <c>redis-server</c> of a <see cref="RedisServerClusterResource"/>, in cluster mode on a port of its own kept
/// across runs (a cluster's nodes know each other by port). Shown under its cluster through a parent relationship, not
/// <see cref="IResourceWithParent"/>: that would give it the cluster's health check, which waits for what the node's
/// own health lets happen (the cluster formed once every node answers).
/// </summary>
public sealed class RedisServerClusterNodeResource(string name, RedisServerClusterResource cluster, int index, string dataDirectory)
    : ExecutableResource(name, "redis-server", dataDirectory)
{
    private EndpointReference? _primaryEndpoint;

    /// <summary>The cluster the node belongs to.</summary>
    public RedisServerClusterResource Cluster { get; } = cluster;

    /// <summary>The node's number in its cluster, 0 first.</summary>
    public int Index { get; } = index;

    /// <summary>Where the node keeps its data, <c>nodes.conf</c> and generated <c>redis.conf</c>.</summary>
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>The node's endpoint.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, RedisServerResource.PrimaryEndpointName);
}
