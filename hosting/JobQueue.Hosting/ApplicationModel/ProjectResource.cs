namespace JobQueue.Hosting.ApplicationModel;

/// <summary>A .NET project run from its build output (<c>dotnet &lt;assembly&gt;</c>): replicas never rebuild it.</summary>
public sealed class ProjectResource(string name, IProjectMetadata project)
    : ExecutableResource(name, "dotnet", Path.GetDirectoryName(project.ProjectPath)!)
{
    public IProjectMetadata Project => project;

    public override Task PrepareAsync(CancellationToken cancellationToken) =>
        File.Exists(project.TargetPath)
            ? Task.CompletedTask
            : throw new DistributedApplicationException(
                $"Project '{Name}' is not built ({project.TargetPath} is missing): build the AppHost, which builds it.");
}
