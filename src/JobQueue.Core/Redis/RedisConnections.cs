using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>How every JobQueue process connects to Redis.</summary>
internal static class RedisConnections
{
    /// <summary>
    /// Connects without failing when Redis is down (it reconnects by itself), and fails commands fast while disconnected
    /// instead of queueing them, so callers can answer 503 or back off.
    /// </summary>
    public static void Configure(ConfigurationOptions options, string clientName)
    {
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= clientName;
    }

    public static ConnectionMultiplexer Connect(string connectionString, string clientName, TimeSpan? commandTimeout = null) =>
        ConnectionMultiplexer.Connect(Options(connectionString, clientName, commandTimeout));

    public static Task<ConnectionMultiplexer> ConnectAsync(string connectionString, string clientName) =>
        ConnectionMultiplexer.ConnectAsync(Options(connectionString, clientName, commandTimeout: null));

    /// <summary>
    /// A second connection to the Redis of <paramref name="redis"/> (same endpoints, password and TLS), for a command that
    /// blocks it: BZPOPMIN would stall every command queued behind it on a shared connection.
    /// </summary>
    public static ConnectionMultiplexer ConnectBeside(IConnectionMultiplexer redis, string clientName, TimeSpan commandTimeout)
    {
        var options = ConfigurationOptions.Parse(redis.Configuration);
        Configure(options, clientName);
        options.ClientName = clientName;
        options.AsyncTimeout = options.SyncTimeout = (int)commandTimeout.TotalMilliseconds;
        return ConnectionMultiplexer.Connect(options);
    }

    private static ConfigurationOptions Options(string connectionString, string clientName, TimeSpan? commandTimeout)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        Configure(options, clientName);
        if (commandTimeout is { } timeout)
        {
            options.AsyncTimeout = options.SyncTimeout = (int)timeout.TotalMilliseconds;
        }

        return options;
    }
}
