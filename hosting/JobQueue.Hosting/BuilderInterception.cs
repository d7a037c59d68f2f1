using System.Reflection;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Hosting;

/// <summary>
/// How DistributedApplicationTestingBuilder runs an AppHost's own Program: while the AppHost's entry point
/// runs under an interception, CreateBuilder applies the test's options and Build hands the finished
/// builder to the test, then aborts Main (the same trick as ASP.NET Core's WebApplicationFactory).
/// </summary>
internal sealed class BuilderInterception(Assembly appHostAssembly)
{
    private static readonly AsyncLocal<BuilderInterception?> Active = new();

    public static BuilderInterception? Current
    {
        get => Active.Value;
        set => Active.Value = value;
    }

    public Assembly AppHostAssembly => appHostAssembly;

    public TaskCompletionSource<DistributedApplicationBuilder> Captured { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Capture(DistributedApplicationBuilder builder)
    {
        Captured.TrySetResult(builder);
        throw new HostAbortedException();
    }
}
