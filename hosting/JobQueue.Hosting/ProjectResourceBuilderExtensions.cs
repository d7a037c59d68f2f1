namespace JobQueue.Hosting;

public static class ProjectResourceBuilderExtensions
{
    /// <summary>
    /// Adds a .NET project, run from its build output with Aspire's conventions: the AppHost's environment
    /// name, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES=service.instance.id=&lt;replica&gt;</c>,
    /// <c>ASPNETCORE_URLS</c> for its http endpoints, and single-line console logs (prefixed by replica).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var project = new ProjectResource(name, new TProject());
        project.Args.Add(project.Project.TargetPath);
        var environmentName = builder.Environment.EnvironmentName;
        project.EnvironmentCallbacks.Add(context =>
        {
            var variables = context.EnvironmentVariables;
            variables["DOTNET_ENVIRONMENT"] = environmentName;
            variables["ASPNETCORE_ENVIRONMENT"] = environmentName;
            variables["OTEL_SERVICE_NAME"] = name;
            variables["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={context.Replica.Name}";
            variables["Logging__Console__FormatterName"] = "simple";
            variables["Logging__Console__FormatterOptions__SingleLine"] = "true";
            var urls = project.Endpoints.Where(e => e.Scheme == "http").Select(e => $"http://127.0.0.1:{context.Replica.Ports[e.Name]}");
            if (urls.Any())
            {
                variables["ASPNETCORE_URLS"] = string.Join(';', urls);
            }
        });
        return builder.AddResource(project);
    }
}
