namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A <c>redis-server</c> from PATH run as an executable resource: bound to loopback, a password always required,
/// AOF persistence in <see cref="DataDirectory"/>. Its connection string is
/// <c>{host}:{port},password={password}</c>, what StackExchange.Redis (and Aspire.StackExchange.Redis) reads.
/// </summary>
/// <param name="name">The resource's name, and the connection string's name in the projects that reference it.</param>
/// <param name="password">The password, a secret parameter: never on a command line, never in a log.</param>
/// <param name="dataDirectory">Where the AOF, the RDB and the generated <c>redis.conf</c> live.</param>
public sealed class RedisServerResource(string name, ParameterResource password, string dataDirectory)
    : ExecutableResource(name, "redis-server", dataDirectory), IResourceWithConnectionString
{
    /// <summary>The name of the endpoint clients connect to.</summary>
    public const string PrimaryEndpointName = "tcp";

    private EndpointReference? _primaryEndpoint;

    /// <summary>The secret parameter that holds the password (<c>requirepass</c>).</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>Where the server keeps its data and the configuration file this resource writes (mode 0600) before each start.</summary>
    public string DataDirectory { get; internal set; } = dataDirectory;

    /// <summary>
    /// The AOF fsync policy: <c>everysec</c> (the default: at most about a second of acknowledged writes lost on a
    /// crash of the machine), <c>always</c> (none lost, every write waits for the disk) or <c>no</c>.
    /// </summary>
    public string AppendFsync { get; internal set; } = "everysec";

    /// <summary>The endpoint clients connect to.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");
}
