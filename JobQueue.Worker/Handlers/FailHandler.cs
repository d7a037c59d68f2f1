using System.Text.Json.Nodes;
using JobQueue.Processing;

namespace JobQueue.Worker.Handlers;

/// <summary>
/// Throws, to exercise retries: always, or only on the first <c>{"times": n}</c> runs of the job (then it
/// succeeds with <c>{"succeeded_on_attempt": k, "run": r}</c>).
/// </summary>
public sealed class FailHandler : IJobHandler
{
    public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var times = job.Payload is JsonObject payload && payload["times"] is JsonValue value && value.TryGetValue<int>(out var n) ? n : int.MaxValue;
        if (job.Run <= times)
        {
            throw new InvalidOperationException($"fail handler failed attempt {job.Attempt} on purpose");
        }

        return Task.FromResult<JsonNode?>(new JsonObject { ["succeeded_on_attempt"] = job.Attempt, ["run"] = job.Run });
    }
}
