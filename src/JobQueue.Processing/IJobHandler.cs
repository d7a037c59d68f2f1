using System.Text.Json.Nodes;

namespace JobQueue.Processing;

/// <summary>
/// Runs one kind of job from its JSON payload, for dynamic cases; register it with
/// <c>AddJobWorker().AddHandler&lt;T&gt;("type")</c>. Return the job's result (any JSON); throw to fail the attempt
/// (it is retried while attempts remain), or throw <see cref="PermanentJobFailureException"/> to fail it for good.
/// Honour the token: it fires on the per-attempt timeout, on cancellation, and when the worker loses the job.
/// </summary>
public interface IJobHandler
{
    Task<JsonNode?> HandleAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>
/// Runs jobs whose payload is a <typeparamref name="TPayload"/> (deserialized with System.Text.Json); register it
/// with <c>AddJobWorker().AddHandler&lt;T&gt;()</c>. The job type is the payload type's name (see
/// <see cref="JobTypeAttribute"/>), so <c>store.EnqueueAsync(new TPayload(...))</c> reaches this handler.
/// </summary>
public interface IJobHandler<in TPayload>
{
    Task HandleAsync(TPayload payload, JobContext job, CancellationToken cancellationToken);
}

/// <summary>As <see cref="IJobHandler{TPayload}"/>, with a result stored as the job's JSON result.</summary>
public interface IJobHandler<in TPayload, TResult>
{
    Task<TResult> HandleAsync(TPayload payload, JobContext job, CancellationToken cancellationToken);
}
