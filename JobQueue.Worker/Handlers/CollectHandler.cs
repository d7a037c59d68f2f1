using System.Text.Json.Nodes;
using JobQueue.Processing;

namespace JobQueue.Worker.Handlers;

/// <summary>
/// A flow's parent (docs/library.md, "Workflows"): returns <c>{"count": n, "results": {"&lt;job id&gt;": result, ...}}</c>, the results
/// of the jobs it depended on that ended done.
/// </summary>
public sealed class CollectHandler : IJobHandler
{
    public async Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var results = await job.DependencyResultsAsync();
        return new JsonObject
        {
            ["count"] = results.Count,
            ["results"] = new JsonObject(results.OrderBy(r => r.Key, StringComparer.Ordinal)),
        };
    }
}
