using System.Text.Json;
using System.Text.Json.Nodes;
using JobQueue.Processing;

namespace JobQueue.Worker.Handlers;

/// <summary>The job of the legacy <c>POST /submit</c>: <c>"hello world"</c> becomes <c>"HELLO WORLD"</c>.</summary>
public sealed class UppercaseHandler : IJobHandler
{
    public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken) =>
        job.Payload is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? Task.FromResult<JsonNode?>(JsonValue.Create(value.GetValue<string>().ToUpperInvariant()))
            : throw new PermanentJobFailureException("uppercase expects a JSON string payload, e.g. \"hello world\".");
}
