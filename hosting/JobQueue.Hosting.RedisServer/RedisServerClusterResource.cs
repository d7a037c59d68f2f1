namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A local Redis Cluster of <c>redis-server</c> nodes (each a <see cref="RedisServerClusterNodeResource"/>, its child):
/// <see cref="Masters"/> masters with <see cref="ReplicasPerMaster"/> replicas each, one password (<c>requirepass</c>
/// and <c>masterauth</c>), AOF on. Formed with <c>redis-cli --cluster create</c> once its nodes run, the first time
/// (later runs on the same data find it in their <c>nodes.conf</c>). Its connection string lists every node, so
/// StackExchange.Redis finds the slots and the services run unchanged.
/// </summary>
public sealed class RedisServerClusterResource(string name, ParameterResource password, string dataDirectory, int masters, int replicasPerMaster)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    private readonly List<RedisServerClusterNodeResource> _nodes = [];

    /// <summary>The secret parameter that holds the password of every node.</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>How many masters share the slots.</summary>
    public int Masters { get; } = masters;

    /// <summary>How many replicas each master has.</summary>
    public int ReplicasPerMaster { get; } = replicasPerMaster;

    /// <summary>Where each node keeps its data (<c>node-{i}</c>), and the node ports chosen for it (<c>ports</c>).</summary>
    public string DataDirectory { get; internal set; } = dataDirectory;

    /// <summary>The AOF fsync policy of every node (see <see cref="RedisServerResource.AppendFsync"/>).</summary>
    public string AppendFsync { get; internal set; } = "everysec";

    /// <summary>How long a master may be unreachable before a replica takes over (<c>cluster-node-timeout</c>).</summary>
    public TimeSpan NodeTimeout { get; internal set; } = TimeSpan.FromSeconds(2);

    /// <summary>The nodes, node 0 first.</summary>
    public IReadOnlyList<RedisServerClusterNodeResource> Nodes => _nodes;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            foreach (var node in _nodes)
            {
                builder.AppendFormatted(node.PrimaryEndpoint.Property(EndpointProperty.HostAndPort));
                builder.AppendLiteral(",");
            }

            builder.AppendLiteral("password=");
            builder.AppendFormatted(PasswordParameter);
            return builder.Build();
        }
    }

    internal void AddNode(RedisServerClusterNodeResource node) => _nodes.Add(node);
}
