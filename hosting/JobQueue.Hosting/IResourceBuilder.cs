namespace JobQueue.Hosting;

/// <summary>Configures one resource with fluent extension methods (<c>WithReference</c>, <c>WaitFor</c>, ...).</summary>
public interface IResourceBuilder<out T> where T : IResource
{
    IDistributedApplicationBuilder ApplicationBuilder { get; }

    T Resource { get; }
}

internal sealed class ResourceBuilder<T>(IDistributedApplicationBuilder applicationBuilder, T resource) : IResourceBuilder<T>
    where T : IResource
{
    public IDistributedApplicationBuilder ApplicationBuilder => applicationBuilder;

    public T Resource => resource;
}
