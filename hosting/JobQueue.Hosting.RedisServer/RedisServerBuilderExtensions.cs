using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Adds a local <c>redis-server</c> (from PATH, no container runtime) to the application model. Where a container
/// runtime exists, Aspire.Hosting.Redis's <c>AddRedis</c> takes its place: the resource has the same shape (a
/// connection string with the password, a health check), so the projects that reference it do not change.
/// </summary>
public static class RedisServerBuilderExtensions
{
    /// <summary>
    /// Adds a <c>redis-server</c> executable resource bound to loopback, with a password, AOF persistence in
    /// <c>{AppHostDirectory}/.data/{name}</c> (see <see cref="WithDataDirectory"/>) and a health check that answers
    /// once the server takes AUTH and PING, so <c>WaitFor</c> waits until it serves.
    /// </summary>
    /// <param name="builder">The <see cref="IDistributedApplicationBuilder"/>.</param>
    /// <param name="name">The resource's name; the connection string's name in the projects that reference it.</param>
    /// <param name="port">
    /// The port the server listens on itself (no proxy in front of every command); <see langword="null"/> lets the
    /// orchestrator choose one and proxy it.
    /// </param>
    /// <param name="password">The password parameter; <see langword="null"/> generates one (secret, letters and digits only, as StackExchange.Redis cannot take a comma).</param>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        int? port = null,
        IResourceBuilder<ParameterResource>? password = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var passwordParameter = password?.Resource
            ?? ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var redis = new RedisServerResource(name, passwordParameter, Path.Combine(builder.AppHostDirectory, ".data", name));

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new RedisServerHealthCheck(name, redis.ConnectionStringExpression), failureStatus: null, tags: null));

        // The configuration (with the password) is written just before each start, when the parameter's value is known.
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(redis, async (_, cancellationToken) =>
        {
            RedisServerExecutable.ThrowIfMissing("redis-server");
            var passwordValue = await redis.PasswordParameter.GetValueAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new DistributedApplicationException($"The password parameter of '{name}' has no value.");
            RedisServerConfigFile.CreateDirectory(redis.DataDirectory);
            RedisServerConfigFile.Write(ConfigPath(redis), RedisServerConfigFile.CommonLines(redis.DataDirectory, passwordValue, redis.AppendFsync));
        });

        return builder.AddResource(redis)
            .WithEndpoint(port: port, targetPort: port, scheme: "redis", name: RedisServerResource.PrimaryEndpointName, isProxied: port is null)
            .WithArgs(context =>
            {
                context.Args.Add(ConfigPath(redis));
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>Keeps the server's data (AOF, RDB) and its generated <c>redis.conf</c> in <paramref name="path"/>, created (mode 0700) if missing.</summary>
    public static IResourceBuilder<RedisServerResource> WithDataDirectory(this IResourceBuilder<RedisServerResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);

        var fullPath = Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory);
        builder.Resource.DataDirectory = fullPath;
        return builder.WithWorkingDirectory(fullPath);
    }

    /// <summary>Sets the AOF fsync policy: <c>everysec</c> (the default), <c>always</c> (no acknowledged write lost on a crash) or <c>no</c>.</summary>
    public static IResourceBuilder<RedisServerResource> WithAppendFsync(this IResourceBuilder<RedisServerResource> builder, string policy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.AppendFsync = RedisServerExecutable.ValidAppendFsync(policy);
        return builder;
    }

    private static string ConfigPath(RedisServerResource redis) => Path.Combine(redis.DataDirectory, "redis.conf");
}
