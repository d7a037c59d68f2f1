namespace JobQueue.Hosting.ApplicationModel;

/// <summary>What a Redis resource (one server or a cluster's nodes) is configured with: where its data lives, its password, its AOF fsync.</summary>
public interface IRedisServerSettings
{
    string DataDirectory { get; set; }

    string Password { get; set; }

    /// <summary>AOF fsync policy: <c>everysec</c> (default: up to ~1 s of writes lost on a crash) or <c>always</c>.</summary>
    string AppendFsync { get; set; }
}
