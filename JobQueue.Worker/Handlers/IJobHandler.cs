using System.Text.Json.Nodes;

namespace JobQueue.Worker.Handlers;

/// <summary>
/// Runs one kind of job. Register it with <c>AddJobWorker().AddHandler&lt;T&gt;("type")</c>; a job whose
/// <c>type</c> matches is handed to it. Return the job's result (any JSON); throw to fail the attempt
/// (it is retried while attempts remain), or throw <see cref="PermanentJobFailureException"/> to fail it for good.
/// Honour the token: it fires on the per-attempt timeout and when the worker loses the job.
/// </summary>
public interface IJobHandler
{
    Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>The job an attempt is running.</summary>
public sealed record JobContext(string JobId, string Type, JsonNode? Payload, int Attempt);

/// <summary>A failure no retry can fix (bad payload, unknown type): the job fails at once.</summary>
public sealed class PermanentJobFailureException(string message) : Exception(message);
