using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using JobQueue.Hosting.Orchestration;

namespace JobQueue.Hosting.ApplicationModel;

/// <summary>
/// A <c>redis-server</c> from PATH, bound to 127.0.0.1, password always on, AOF persistence in its data
/// directory. The generated password is kept in that directory, so data and password survive restarts.
/// </summary>
public sealed class RedisResource(string name, string dataDirectory)
    : ExecutableResource(name, "redis-server", dataDirectory), IResourceWithConnectionString
{
    private string? _password;

    public string DataDirectory { get; set; } = dataDirectory;

    public override string WorkingDirectory => DataDirectory;

    /// <summary>Set explicitly, or generated on first use and stored in <c>{DataDirectory}/password</c>.</summary>
    public string Password
    {
        get => _password ??= LoadOrCreatePassword();
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

        CreatePrivateDirectory();
        // The config holds the password, so it is readable by this user only; nothing else shows it.
        File.WriteAllLines(ConfigPath,
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
        RestrictToOwner(ConfigPath);
        Args.Clear();
        Args.Add(ConfigPath);
        return Task.CompletedTask;
    }

    /// <summary>Healthy when it answers AUTH and PING (not while it is still loading its AOF).</summary>
    public override async Task<bool> IsHealthyAsync(ReplicaInfo replica, HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Endpoint.Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync(Resp("AUTH", Password).Concat(Resp("PING")).ToArray(), cancellationToken);
            var reply = new byte[128];
            var read = 0;
            while (read < reply.Length && reply.AsSpan(0, read).Count("\r\n"u8) < 2)
            {
                var n = await stream.ReadAsync(reply.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return Encoding.ASCII.GetString(reply, 0, read) == "+OK\r\n+PONG\r\n";
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static byte[] Resp(params string[] parts)
    {
        var text = new StringBuilder($"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private string LoadOrCreatePassword()
    {
        var path = Path.Combine(DataDirectory, "password");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        CreatePrivateDirectory();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        File.WriteAllText(path, password);
        RestrictToOwner(path);
        return password;
    }

    private void CreatePrivateDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(DataDirectory);
        }
        else
        {
            Directory.CreateDirectory(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
