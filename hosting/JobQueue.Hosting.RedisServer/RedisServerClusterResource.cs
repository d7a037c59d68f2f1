namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A local Redis Cluster of <c>redis-server</c> nodes (each a <see cref="RedisServerClusterNodeResource"/>, shown as its
/// child): <see cref="Masters"/> masters with <see cref="ReplicasPerMaster"/> replicas each, one password
/// (<c>requirepass</c> and <c>masterauth</c>), AOF on. Formed with <c>redis-cli --cluster create</c> once its nodes
/// answer, the first time only (later runs on the same data find it in their <c>nodes.conf</c>). Not run by the
/// orchestrator itself: its state (Starting, Running) is published by the formation. Its connection string lists every
/// node, so StackExchange.Redis finds the slots and the services run unchanged.
/// </summary>
/// <param name="name">The resource's name, and the connection string's name in the projects that reference it.</param>
/// <param name="password">The password of every node, a secret parameter: never on a command line, never in a log.</param>
/// <param name="dataDirectory">Where the nodes keep their data (<c>node-{i}</c>) and the ports chosen for them.</param>
/// <param name="masters">How many masters share the slots.</param>
/// <param name="replicasPerMaster">How many replicas each master has.</param>
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

    /// <summary>
    /// How long a node may be unreachable before the others mark it failed and a replica takes over its slots
    /// (<c>cluster-node-timeout</c>). Short, since the nodes share one machine's loopback where no network partition
    /// delays an answer: a crashed master's keys are unserved for a few seconds rather than Redis's default 15 s; long
    /// enough that a node paused by a busy machine (a build, an AOF rewrite) is not failed over for nothing.
    /// </summary>
    public TimeSpan NodeTimeout { get; } = TimeSpan.FromSeconds(3);

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
                // The address the nodes announce in CLUSTER NODES (the cluster is formed on 127.0.0.1): a client given
                // "localhost" would see each node twice, under both names.
                builder.AppendLiteral("127.0.0.1:");
                builder.AppendFormatted(node.PrimaryEndpoint.Property(EndpointProperty.Port));
                builder.AppendLiteral(",");
            }

            builder.AppendLiteral("password=");
            builder.AppendFormatted(PasswordParameter);
            return builder.Build();
        }
    }

    internal void AddNode(RedisServerClusterNodeResource node) => _nodes.Add(node);
}
