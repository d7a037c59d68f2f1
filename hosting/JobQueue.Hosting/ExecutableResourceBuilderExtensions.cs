namespace JobQueue.Hosting;

public static class ExecutableResourceBuilderExtensions
{
    /// <summary>
    /// Adds any program (found on PATH or by path) run as <c>command args...</c> in <paramref name="workingDirectory"/>,
    /// with the same lifetime, logs and replicas as a project.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddExecutable(
        this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] args)
    {
        var executable = new ExecutableResource(name, command, Path.GetFullPath(workingDirectory));
        executable.Args.AddRange(args);
        return builder.AddResource(executable);
    }
}
