namespace JobQueue.Hosting.ApplicationModel;

/// <summary>Something the AppHost runs or provides, known by a unique name ("redis", "api", "worker").</summary>
public interface IResource
{
    string Name { get; }
}

/// <summary>A resource others connect to through <c>ConnectionStrings__{name}</c>.</summary>
public interface IResourceWithConnectionString : IResource
{
    string ConnectionString { get; }
}
