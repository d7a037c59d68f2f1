using System.Text.Json.Nodes;

namespace JobQueue.Worker.Handlers;

/// <summary>
/// Runs one kind of job. Register it with <c>AddJobWorker().AddHandler&lt;T&gt;("type")</c>; a job whose
/// <c>type</c> matches is handed to it. Return the job's result (any JSON); throw to fail the attempt
/// (it is retried while attempts remain), or throw <see cref="PermanentJobFailureException"/> to fail it for good.
/// Honour the token: it fires on the per-attempt timeout, on cancellation, and when the worker loses the job.
/// </summary>
public interface IJobHandler
{
    Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>
/// The job an attempt is running. <see cref="Attempt"/> counts within the current attempt budget (a manual
/// retry starts a new one); <see cref="Run"/> counts every run of the job.
/// </summary>
public sealed class JobContext(string jobId, string type, JsonNode? payload, int attempt, int run, Func<JsonNode, Task> reportProgress)
{
    public string JobId => jobId;

    public string Type => type;

    public JsonNode? Payload => payload;

    public int Attempt => attempt;

    public int Run => run;

    /// <summary>Publishes progress (a number or small JSON) to watchers and to <c>GET /jobs/{id}</c>.</summary>
    public Task ReportProgressAsync(JsonNode progress) => reportProgress(progress);
}

/// <summary>A failure no retry can fix (bad payload, unknown type): the job fails at once.</summary>
public sealed class PermanentJobFailureException(string message) : Exception(message);
