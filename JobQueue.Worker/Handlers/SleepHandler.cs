using System.Text.Json.Nodes;

namespace JobQueue.Worker.Handlers;

/// <summary>Waits <c>{"ms": n}</c> milliseconds, then returns <c>{"slept_ms": n, "attempt": k}</c>: a stand-in for slow work.</summary>
public sealed class SleepHandler : IJobHandler
{
    public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var ms = job.Payload is JsonObject payload && payload["ms"] is JsonValue value && value.TryGetValue<int>(out var n) && n >= 0
            ? n
            : throw new PermanentJobFailureException("sleep expects {\"ms\": <non-negative integer>}.");
        await Task.Delay(ms, cancellationToken);
        return new JsonObject { ["slept_ms"] = ms, ["attempt"] = job.Attempt };
    }
}
