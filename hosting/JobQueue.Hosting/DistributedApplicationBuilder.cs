using System.Reflection;
using JobQueue.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Hosting;

public interface IDistributedApplicationBuilder
{
    ConfigurationManager Configuration { get; }

    IHostEnvironment Environment { get; }

    IServiceCollection Services { get; }

    /// <summary>The AppHost project's directory (recorded at build time).</summary>
    string AppHostDirectory { get; }

    /// <summary>True under test: every port, the AppHost's own included, is picked free.</summary>
    bool RandomizePorts { get; }

    /// <summary>Running the app, or publishing it as manifests.</summary>
    DistributedApplicationExecutionContext ExecutionContext { get; }

    IReadOnlyList<IResource> Resources { get; }

    IResourceBuilder<T> AddResource<T>(T resource) where T : ExecutableResource;

    DistributedApplication Build();
}

internal sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private readonly HostApplicationBuilder _host;
    private readonly DistributedApplicationOptions _options;
    private readonly List<ExecutableResource> _resources = [];

    public DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        _options = options;
        var assembly = options.AppHostAssembly ?? Assembly.GetEntryAssembly()!;
        _host = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = options.Args,
            ApplicationName = assembly.GetName().Name,
            EnvironmentName = options.EnvironmentName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        ExecutionContext = DistributedApplicationExecutionContext.FromArgs(options.Args, _host.Configuration);
        AppHostDirectory = assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostProjectDirectory")?.Value ?? AppContext.BaseDirectory;
    }

    public ConfigurationManager Configuration => _host.Configuration;

    public IHostEnvironment Environment => _host.Environment;

    public IServiceCollection Services => _host.Services;

    public string AppHostDirectory { get; }

    public bool RandomizePorts => _options.RandomizePorts;

    public DistributedApplicationExecutionContext ExecutionContext { get; }

    public IReadOnlyList<IResource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : ExecutableResource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' already exists.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public DistributedApplication Build()
    {
        // Under DistributedApplicationTestingBuilder the AppHost's Main stops here and hands this builder to the test.
        BuilderInterception.Current?.Capture(this);
        return BuildCore();
    }

    internal DistributedApplication BuildCore()
    {
        foreach (var resource in ExecutionContext.IsRunMode ? _resources : [])
        {
            foreach (var endpoint in resource.Endpoints)
            {
                if (_options.RandomizePorts || endpoint.RequestedPort is null)
                {
                    endpoint.Port = PortAllocator.FreePort();
                }
                else
                {
                    PortAllocator.ThrowIfInUse(endpoint.RequestedPort.Value, resource.Name);
                    endpoint.Port = endpoint.RequestedPort.Value;
                }
            }
        }

        _host.Services.AddSingleton(ExecutionContext);
        _host.Services.AddSingleton(new DistributedApplicationModel(_resources));
        _host.Services.AddSingleton<ResourceNotificationService>();
        _host.Services.AddSingleton(new ResourceConsole(_options.EchoResourceOutput));
        _host.Services.AddSingleton<ResourceLoggerService>();
        _host.Services.AddSingleton<Orchestrator>();
        _host.Services.AddHostedService(sp => sp.GetRequiredService<Orchestrator>());
        _host.Services.AddSingleton(sp => new ResourceCommandService(sp.GetRequiredService<Orchestrator>()));
        _host.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        return new DistributedApplication(_host.Build());
    }
}
