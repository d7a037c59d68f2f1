using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace JobQueue.Processing;

/// <summary>
/// What the executor calls for a job type: runs the registered handler and returns its result as JSON text.
/// One adapter per kind of handler (JSON or typed), so the executor never knows which kind it runs.
/// </summary>
internal abstract class JobRunner
{
    public abstract Task<string> RunAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>Runs an <see cref="IJobHandler"/> (JSON in, JSON out).</summary>
internal sealed class JsonJobRunner<THandler>(THandler handler) : JobRunner where THandler : IJobHandler
{
    public override async Task<string> RunAsync(JobContext job, CancellationToken cancellationToken) =>
        (await handler.HandleAsync(job, cancellationToken))?.ToJsonString() ?? "null";
}

/// <summary>Runs a typed handler: the payload is deserialized, the result serialized, with the payload JSON options.</summary>
internal abstract class TypedJobRunner<TPayload>(IOptions<JobPayloadJsonOptions> json) : JobRunner
{
    protected JsonSerializerOptions Options => json.Value.SerializerOptions;

    protected TPayload Deserialize(JobContext job)
    {
        try
        {
            return (TPayload)JsonSerializer.Deserialize(job.PayloadJson, Options.GetTypeInfo(typeof(TPayload)))!;
        }
        catch (JsonException e)
        {
            throw new PermanentJobFailureException($"The payload is not a valid {typeof(TPayload).Name}: {e.Message}");
        }
    }
}

internal sealed class TypedJobRunner<THandler, TPayload>(THandler handler, IOptions<JobPayloadJsonOptions> json)
    : TypedJobRunner<TPayload>(json) where THandler : IJobHandler<TPayload>
{
    public override async Task<string> RunAsync(JobContext job, CancellationToken cancellationToken)
    {
        await handler.HandleAsync(Deserialize(job), job, cancellationToken);
        return "null";
    }
}

internal sealed class TypedJobRunner<THandler, TPayload, TResult>(THandler handler, IOptions<JobPayloadJsonOptions> json)
    : TypedJobRunner<TPayload>(json) where THandler : IJobHandler<TPayload, TResult>
{
    public override async Task<string> RunAsync(JobContext job, CancellationToken cancellationToken)
    {
        var result = await handler.HandleAsync(Deserialize(job), job, cancellationToken);
        return JsonSerializer.Serialize(result, (JsonTypeInfo<TResult>)Options.GetTypeInfo(typeof(TResult)));
    }
}
