using System.Reflection;

namespace JobQueue.Hosting;

public sealed class DistributedApplicationOptions
{
    public string[] Args { get; init; } = [];

    /// <summary>The AppHost's assembly (its build records the AppHost's directory); defaults to the entry assembly.</summary>
    public Assembly? AppHostAssembly { get; init; }

    /// <summary>Give every endpoint a free port instead of the requested one, so parallel runs (tests) never collide.</summary>
    public bool RandomizePorts { get; init; }

    /// <summary>Echo every replica's output on this process's console (it is kept for the dashboard either way).</summary>
    public bool EchoResourceOutput { get; init; } = true;

    /// <summary>Overrides the environment name (DOTNET_ENVIRONMENT), e.g. Development under test.</summary>
    public string? EnvironmentName { get; init; }
}
