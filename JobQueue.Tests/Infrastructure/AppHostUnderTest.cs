namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// JobQueue.AppHost started through Aspire's testing builder: DCP runs redis-server, the API and the worker pools as
/// they run under <c>./run.sh</c>, on free ports (the AppHost's own port settings, so a port another test holds is never
/// chosen); the Aspire dashboard only for a test that reads telemetry from it.
/// </summary>
public static class AppHostUnderTest
{
    /// <summary>DCP, redis-server and every <c>dotnet run</c> launcher starting on 2 busy cores.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Starts the app with <paramref name="args"/> (they come last and win) and waits until the API is healthy and every
    /// worker runs; with <paramref name="dashboard"/>, the Aspire dashboard runs too and receives the app's telemetry.
    /// </summary>
    /// <returns>The app, its processes, and where the AppHost says its dashboard is (the queue dashboard's trace links point there).</returns>
    public static async Task<(DistributedApplication App, AppResources Resources, Uri Dashboard)> StartAsync(IEnumerable<string> args, bool dashboard = false)
    {
        var dashboardUrl = new Uri($"http://127.0.0.1:{LocalRedis.FreePort()}");
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.JobQueue_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = dashboard },
        [
            $"--Api:Port={LocalRedis.FreePort()}", $"--Redis:Port={LocalRedis.FreePort()}",
            $"--Dashboard:Port={dashboardUrl.Port}", $"--Dashboard:OtlpGrpcPort={LocalRedis.FreePort()}",
            $"--Dashboard:OtlpHttpPort={LocalRedis.FreePort()}",
            // The AppHost's own port settings, not ports the testing builder makes up: the app is tested as it is
            // configured (and the queue dashboard's trace links, made from Dashboard:Port, reach the dashboard).
            "--DcpPublisher:RandomizePorts=false",
            .. args,
        ]);
        RunBuiltProjects(builder.Resources);
        if (!dashboard)
        {
            ExportNoTelemetry(builder.Resources);
        }

        var app = await builder.BuildAsync();
        var resources = new AppResources(app);
        try
        {
            using var startup = new CancellationTokenSource(StartTimeout);
            await app.StartAsync(startup.Token);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
            await resources.WaitAllStartedAsync("worker", StartTimeout);
            return (app, resources, dashboardUrl);
        }
        catch
        {
            await resources.DisposeAsync();
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// DCP starts a project with <c>dotnet run --no-build</c>, a launcher that evaluates the project file (about 1.7 s of
    /// CPU on this machine) and stays on as the app's parent. The suite starts projects a few hundred times (every app,
    /// every replica a chaos test kills and starts again) on 2 cores: started here as a deployment runs it, the built
    /// app itself (Aspire's <see cref="ExecutableAnnotation"/> on a project replaces the launcher), from the project's
    /// directory as <c>dotnet run</c> would.
    /// </summary>
    public static void RunBuiltProjects(IResourceCollection resources)
    {
        foreach (var project in resources.OfType<ProjectResource>())
        {
            var projectPath = project.GetProjectMetadata().ProjectPath;
            project.Annotations.Add(new ExecutableAnnotation
            {
                Command = Path.ChangeExtension(BuiltProject.AssemblyOf(projectPath), null),
                WorkingDirectory = Path.GetDirectoryName(projectPath)!,
            });
        }
    }

    /// <summary>
    /// Without a dashboard, Aspire still points every project's OTLP exporter at where the dashboard would be, and its
    /// exporters then retry in memory (<c>OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory</c>): under a load test the API
    /// grew by the telemetry it could not send. No endpoint, no exporter (JobQueue.ServiceDefaults adds one only for an
    /// endpoint), as in a deployment without a collector.
    /// </summary>
    public static void ExportNoTelemetry(IResourceCollection resources)
    {
        foreach (var project in resources.OfType<ProjectResource>())
        {
            // Runs after Aspire's own callback (added with the project), so it removes what that one set.
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT")));
        }
    }
}
