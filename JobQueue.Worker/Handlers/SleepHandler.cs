using System.Text.Json.Nodes;
using JobQueue.Processing;

namespace JobQueue.Worker.Handlers;

/// <summary>
/// Waits <c>{"ms": n}</c> milliseconds, then returns <c>{"slept_ms": n, "attempt": k}</c>: a stand-in for slow
/// work. With <c>"steps": s</c> it sleeps in s steps and reports <c>{"step": i, "of": s}</c> after each.
/// </summary>
public sealed class SleepHandler : IJobHandler
{
    public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var payload = job.Payload as JsonObject;
        var ms = payload?["ms"] is JsonValue value && value.TryGetValue<int>(out var n) && n >= 0
            ? n
            : throw new PermanentJobFailureException("sleep expects {\"ms\": <non-negative integer>, \"steps\": <optional count>}.");
        var steps = payload["steps"] is JsonValue s && s.TryGetValue<int>(out var count) && count > 0 ? count : 1;
        for (var step = 1; step <= steps; step++)
        {
            await Task.Delay(ms / steps, cancellationToken);
            if (steps > 1)
            {
                await job.ReportProgressAsync(new JsonObject { ["step"] = step, ["of"] = steps });
            }
        }

        return new JsonObject { ["slept_ms"] = ms, ["attempt"] = job.Attempt };
    }
}
