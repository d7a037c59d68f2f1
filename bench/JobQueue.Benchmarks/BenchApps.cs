namespace JobQueue.Benchmarks;

/// <summary>The hosting layer as the benchmark uses it: free ports, and quiet (the processes' output is kept, not echoed).</summary>
public static class BenchApps
{
    public static IDistributedApplicationBuilder CreateBuilder() => DistributedApplication.CreateBuilder(new DistributedApplicationOptions
    {
        Args = ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning"],
        RandomizePorts = true,
        EchoResourceOutput = false,
    });
}
