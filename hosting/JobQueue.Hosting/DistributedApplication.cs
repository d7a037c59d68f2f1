using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Hosting;

/// <summary>A built AppHost: starting it starts every resource; stopping it (Ctrl+C, SIGTERM, Dispose) stops them all.</summary>
public sealed class DistributedApplication(IHost host) : IHost, IAsyncDisposable
{
    public static IDistributedApplicationBuilder CreateBuilder(string[] args) =>
        CreateBuilder(new DistributedApplicationOptions { Args = args });

    public static IDistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options)
    {
        if (BuilderInterception.Current is { } interception)
        {
            options = new DistributedApplicationOptions
            {
                Args = options.Args,
                AppHostAssembly = interception.AppHostAssembly,
                RandomizePorts = true,
                EchoResourceOutput = options.EchoResourceOutput,
                EnvironmentName = Environments.Development,
            };
        }

        return new DistributedApplicationBuilder(options);
    }

    public IServiceProvider Services => host.Services;

    public ResourceNotificationService ResourceNotifications => Services.GetRequiredService<ResourceNotificationService>();

    public ResourceLoggerService ResourceLogs => Services.GetRequiredService<ResourceLoggerService>();

    public ResourceCommandService ResourceCommands => Services.GetRequiredService<ResourceCommandService>();

    public DistributedApplicationModel Model => Services.GetRequiredService<DistributedApplicationModel>();

    public Task StartAsync(CancellationToken cancellationToken = default) => host.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => host.StopAsync(cancellationToken);

    public DistributedApplicationExecutionContext ExecutionContext => Services.GetRequiredService<DistributedApplicationExecutionContext>();

    /// <summary>Runs the app until Ctrl+C or SIGTERM. Publishing moved to the Aspire AppHost (JobQueue.Hosting.Kubernetes, docs/scaling.md).</summary>
    public Task RunAsync(CancellationToken cancellationToken = default) =>
        ExecutionContext.IsPublishMode
            ? throw new DistributedApplicationException("publish moved to JobQueue.AppHost: --operation publish --step publish-kubernetes --output-path <dir> (docs/scaling.md).")
            : host.RunAsync(cancellationToken);

    public void Run() => RunAsync().GetAwaiter().GetResult();

    public void Dispose() => host.Dispose();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }
}
