using System.Text.Json.Nodes;
using JobQueue.Processing;

namespace JobQueue.Worker.Handlers;

/// <summary>The default job (README, "Quick start"): the result is the payload.</summary>
public sealed class EchoHandler : IJobHandler
{
    public Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken) =>
        Task.FromResult(job.Payload?.DeepClone());
}
