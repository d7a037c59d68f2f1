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

    public static IResourceBuilder<RedisResource> WithDataDirectory(this IResourceBuilder<RedisResource> builder, string path)
    {
        builder.Resource.DataDirectory = Path.GetFullPath(path);
        return builder;
    }

    /// <summary>Uses this password instead of a generated one; null or empty keeps the generated one.</summary>
    public static IResourceBuilder<RedisResource> WithPassword(this IResourceBuilder<RedisResource> builder, string? password)
    {
        if (!string.IsNullOrEmpty(password))
        {
            builder.Resource.Password = password;
        }

        return builder;
    }

    /// <summary>AOF fsync policy: <c>everysec</c> (default) or <c>always</c> (no acknowledged write is lost on a crash).</summary>
    public static IResourceBuilder<RedisResource> WithAppendFsync(this IResourceBuilder<RedisResource> builder, string policy)
    {
        builder.Resource.AppendFsync = policy is "always" or "everysec" or "no"
            ? policy
            : throw new ArgumentException("appendfsync is one of always, everysec, no.", nameof(policy));
        return builder;
    }
}
