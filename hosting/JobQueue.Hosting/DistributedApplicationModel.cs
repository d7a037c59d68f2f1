namespace JobQueue.Hosting;

/// <summary>The resources of a built app, in the order they were declared.</summary>
public sealed class DistributedApplicationModel(IReadOnlyList<ExecutableResource> resources)
{
    public IReadOnlyList<ExecutableResource> Resources => resources;

    public ExecutableResource this[string name] =>
        resources.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"There is no resource '{name}'.", nameof(name));
}
