namespace JobQueue.Hosting;

public static class RedisBuilderExtensions
{
    /// <summary>
    /// Adds a <c>redis-server</c> (from PATH; no containers) on <paramref name="port"/>, with a password and AOF
    /// persistence in <c>{AppHostDirectory}/.data/{name}</c> unless <see cref="WithDataDirectory"/> says otherwise.
    /// </summary>
    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var redis = new RedisResource(name, Path.Combine(builder.AppHostDirectory, ".data", name));
        redis.Endpoints.Add(new ResourceEndpoint("tcp", "tcp", port));
        return builder.AddResource(redis);
    }

    /// <summary>
    /// Adds a local Redis Cluster (<see cref="RedisClusterResource"/>): <paramref name="masters"/> masters (3 or more), each
    /// with <paramref name="replicasPerMaster"/> replicas, data in <c>{AppHostDirectory}/.data/{name}</c>; nodes on ports
    /// from <paramref name="basePort"/> on, or on free ports kept for the next run.
    /// </summary>
    public static IResourceBuilder<RedisClusterResource> AddRedisCluster(
        this IDistributedApplicationBuilder builder, string name, int masters = 3, int replicasPerMaster = 1, int? basePort = null) =>
        builder.AddResource(new RedisClusterResource(name, Path.Combine(builder.AppHostDirectory, ".data", name), masters, replicasPerMaster)
        {
            BasePort = builder.RandomizePorts ? null : basePort,
        });

    public static IResourceBuilder<T> WithDataDirectory<T>(this IResourceBuilder<T> builder, string path)
        where T : ExecutableResource, IRedisServerSettings
    {
        builder.Resource.DataDirectory = Path.GetFullPath(path);
        return builder;
    }

    /// <summary>Uses this password instead of a generated one; null or empty keeps the generated one.</summary>
    public static IResourceBuilder<T> WithPassword<T>(this IResourceBuilder<T> builder, string? password)
        where T : ExecutableResource, IRedisServerSettings
    {
        if (!string.IsNullOrEmpty(password))
        {
            builder.Resource.Password = password;
        }

        return builder;
    }

    /// <summary>AOF fsync policy: <c>everysec</c> (default) or <c>always</c> (no acknowledged write is lost on a crash).</summary>
    public static IResourceBuilder<T> WithAppendFsync<T>(this IResourceBuilder<T> builder, string policy)
        where T : ExecutableResource, IRedisServerSettings
    {
        builder.Resource.AppendFsync = policy is "always" or "everysec" or "no"
            ? policy
            : throw new ArgumentException("appendfsync is one of always, everysec, no.", nameof(policy));
        return builder;
    }
}
