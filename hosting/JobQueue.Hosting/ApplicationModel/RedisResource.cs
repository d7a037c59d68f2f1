using JobQueue.Hosting.Orchestration;

namespace JobQueue.Hosting.ApplicationModel;

/// <summary>
/// A <c>redis-server</c> from PATH, bound to 127.0.0.1, password always on, AOF persistence in its data
/// directory. The generated password is kept in that directory, so data and password survive restarts.
/// </summary>
public sealed class RedisResource(string name, string dataDirectory)
    : ExecutableResource(name, "redis-server", dataDirectory), IResourceWithConnectionString, IRedisServerSettings
{
    private string? _password;

    public string DataDirectory { get; set; } = dataDirectory;

    public override string WorkingDirectory => DataDirectory;

    /// <summary>Set explicitly, or generated on first use and stored in <c>{DataDirectory}/password</c>.</summary>
    public string Password
    {
        get => _password ??= PrivateFiles.LoadOrCreatePassword(DataDirectory);
        set => _password = value;
    }

    /// <summary>AOF fsync policy: <c>everysec</c> (default: up to ~1 s of writes lost on a crash) or <c>always</c>.</summary>
    public string AppendFsync { get; set; } = "everysec";

    public ResourceEndpoint Endpoint => Endpoints[0];

    public string ConnectionString => $"127.0.0.1:{Endpoint.Port},password={Password}";

    private string ConfigPath => Path.Combine(DataDirectory, "redis.conf");

    public override Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (!ExecutableFinder.Exists(Command))
        {
            throw new DistributedApplicationException(
                "redis-server was not found on PATH. Install it first: sudo apt-get install -y redis-server");
        }

        PrivateFiles.CreateDirectory(DataDirectory);
        // The config holds the password, so it is readable by this user only; nothing else shows it.
        PrivateFiles.Write(ConfigPath,
        [
            $"port {Endpoint.Port}",
            "bind 127.0.0.1",
            "protected-mode yes",
            $"requirepass \"{Password}\"",
            $"dir \"{DataDirectory}\"",
            "appendonly yes",
            $"appendfsync {AppendFsync}",
            "daemonize no",
        ]);
        Args.Clear();
        Args.Add(ConfigPath);
        return Task.CompletedTask;
    }

    /// <summary>Healthy when it answers AUTH and PING (not while it is still loading its AOF).</summary>
    public override async Task<bool> IsHealthyAsync(ReplicaInfo replica, HttpClient http, CancellationToken cancellationToken) =>
        await RedisProbe.AskAsync(Endpoint.Port, Password, cancellationToken, "PING") == "PONG";
}
