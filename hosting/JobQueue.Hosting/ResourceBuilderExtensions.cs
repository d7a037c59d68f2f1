using Microsoft.Extensions.Configuration;

namespace JobQueue.Hosting;

public static class ResourceBuilderExtensions
{
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : ExecutableResource
    {
        builder.Resource.EnvironmentCallbacks.Add(context => context.EnvironmentVariables[name] = value);
        return builder;
    }

    /// <summary>Sets variables when each replica starts, from what only then is known (its ports, its name).</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, Action<EnvironmentCallbackContext> callback)
        where T : ExecutableResource
    {
        builder.Resource.EnvironmentCallbacks.Add(callback);
        return builder;
    }

    /// <summary>Passes a configuration section on as environment variables (<c>Queue:MaxAttempts</c> becomes <c>Queue__MaxAttempts</c>).</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, IConfigurationSection section)
        where T : ExecutableResource
    {
        foreach (var (key, value) in section.AsEnumerable().Where(kv => kv.Value is not null))
        {
            builder.WithEnvironment(key.Replace(":", "__"), value!);
        }

        return builder;
    }

    /// <summary>Injects <c>ConnectionStrings__{name}</c>, the way Aspire's client integrations read it.</summary>
    public static IResourceBuilder<T> WithReference<T>(
        this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source, string? connectionName = null)
        where T : ExecutableResource
    {
        var name = connectionName ?? source.Resource.Name;
        builder.Resource.EnvironmentCallbacks.Add(context => context.EnvironmentVariables[$"ConnectionStrings__{name}"] =
            context.IsPublishing ? $"{{{source.Resource.Name}.connectionString}}" : source.Resource.ConnectionString);
        return builder;
    }

    /// <summary>Starts this resource only once <paramref name="dependency"/> is running and healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : ExecutableResource
    {
        builder.Resource.WaitsFor.Add(dependency.Resource);
        return builder;
    }

    /// <summary>Declares an HTTP endpoint; without a port (or under test) a free one is picked.</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, string name = "http")
        where T : ExecutableResource
    {
        builder.Resource.Endpoints.Add(new ResourceEndpoint(name, "http", port));
        return builder;
    }

    /// <summary>Healthy only while <paramref name="path"/> on the http endpoint answers 2xx.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health")
        where T : ExecutableResource
    {
        builder.Resource.HttpHealthCheckPath = path;
        return builder;
    }

    public static IResourceBuilder<T> WithReplicas<T>(this IResourceBuilder<T> builder, int replicas)
        where T : ExecutableResource
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        builder.Resource.Replicas = replicas;
        return builder;
    }
}
