namespace JobQueue.Hosting;

/// <summary>What the AppHost was started to do (Aspire's name): run the app, or publish it as deployment manifests.</summary>
public enum DistributedApplicationOperation
{
    Run,
    Publish,
}

/// <summary>
/// Whether the AppHost runs the app or publishes it (<c>dotnet run --project JobQueue.AppHost -- publish --output
/// &lt;dir&gt;</c>, Aspire's <c>aspire publish</c> idea): in publish mode nothing starts and no port is checked; the app
/// model is written as Kubernetes manifests to <see cref="OutputPath"/>.
/// </summary>
public sealed class DistributedApplicationExecutionContext(DistributedApplicationOperation operation, string outputPath)
{
    public DistributedApplicationOperation Operation => operation;

    public bool IsRunMode => operation == DistributedApplicationOperation.Run;

    public bool IsPublishMode => operation == DistributedApplicationOperation.Publish;

    /// <summary>Where publish writes the manifests (<c>--output</c>, default <c>./manifests</c>).</summary>
    public string OutputPath => outputPath;

    internal static DistributedApplicationExecutionContext FromArgs(string[] args, Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        args.FirstOrDefault() == "publish"
            ? new(DistributedApplicationOperation.Publish, Path.GetFullPath(configuration["output"] ?? "manifests"))
            : new(DistributedApplicationOperation.Run, "");
}
