using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Hosting.Testing;

/// <summary>A builder for the app an AppHost describes, to adjust from a test before <see cref="BuildAsync"/>.</summary>
public interface IDistributedApplicationTestingBuilder
{
    ConfigurationManager Configuration { get; }

    IServiceCollection Services { get; }

    IReadOnlyList<IResource> Resources { get; }

    Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Starts an AppHost's app from a test, as Aspire's builder of that name does: the AppHost's own Program
/// runs up to <c>Build()</c>, with every endpoint on a free port and the Development environment.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    public static Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(CancellationToken cancellationToken = default)
        where TEntryPoint : IProjectMetadata, new() =>
        CreateAsync<TEntryPoint>([], cancellationToken);

    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(
        string[] args, CancellationToken cancellationToken = default)
        where TEntryPoint : IProjectMetadata, new()
    {
        var appHost = Assembly.Load(AssemblyName.GetAssemblyName(new TEntryPoint().TargetPath));
        var entryPoint = appHost.EntryPoint
            ?? throw new InvalidOperationException($"{appHost.GetName().Name} has no entry point.");
        var interception = new BuilderInterception(appHost);

        var main = Task.Run(() =>
        {
            BuilderInterception.Current = interception;
            try
            {
                var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
                (result as Task)?.GetAwaiter().GetResult();
            }
            catch (TargetInvocationException e) when (e.InnerException is HostAbortedException)
            {
            }
        }, cancellationToken);

        await Task.WhenAny(interception.Captured.Task, main).WaitAsync(cancellationToken);
        if (interception.Captured.Task.IsCompleted)
        {
            return new TestingBuilder(await interception.Captured.Task);
        }

        await main;
        throw new InvalidOperationException("The AppHost's entry point returned without calling Build().");
    }

    private sealed class TestingBuilder(DistributedApplicationBuilder inner) : IDistributedApplicationTestingBuilder
    {
        public ConfigurationManager Configuration => inner.Configuration;

        public IServiceCollection Services => inner.Services;

        public IReadOnlyList<IResource> Resources => inner.Resources;

        public Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(inner.BuildCore());
    }
}
