using System.Text.Json.Nodes;
using JobQueue.Processing;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// A JobQueue worker exactly as a user builds one (service defaults, the queue, the worker's components)
/// with one handler, <c>noop</c>, that does nothing but report how long the job waited.
/// </summary>
public static class BenchWorker
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddServiceDefaults();
        builder.AddJobQueue("redis");
        builder.AddJobWorker().AddHandler<NoopHandler>(NoopHandler.Type);
        await builder.Build().RunAsync();
        return 0;
    }
}

/// <summary>Returns <c>{"t": t, "wait_us": now - t}</c> for a payload <c>{"t": µs since the epoch, when submitted}</c>.</summary>
public sealed class NoopHandler : IJobHandler
{
    public const string Type = "noop";

    public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var now = UnixMicroseconds.Now();
        var submitted = job.Payload?["t"]?.GetValue<double>() ?? now;
        return Task.FromResult<JsonNode?>(new JsonObject { ["t"] = submitted, ["wait_us"] = Math.Round(now - submitted) });
    }
}
