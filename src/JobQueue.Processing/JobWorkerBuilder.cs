using JobQueue;
using JobQueue.Processing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers a worker's job handlers: <c>builder.AddJobWorker().AddHandler&lt;SendWelcomeEmailHandler&gt;()</c> for a
/// typed handler, <c>.AddHandler&lt;MyJsonHandler&gt;("my-type")</c> for a JSON one. Handlers are scoped: one
/// instance per attempt.
/// </summary>
public sealed class JobWorkerBuilder
{
    private readonly JobHandlerRegistry _registry;

    internal JobWorkerBuilder(IServiceCollection services, JobHandlerRegistry registry) => (Services, _registry) = (services, registry);

    public IServiceCollection Services { get; }

    /// <summary>
    /// Registers a JSON handler for jobs of <paramref name="type"/>, with an optional <paramref name="policy"/> for
    /// them (attempts, back-off, timeout) that a job's own policy overrides part by part.
    /// </summary>
    public JobWorkerBuilder AddHandler<THandler>(string type, JobPolicy? policy = null) where THandler : class, IJobHandler
    {
        Register(type, typeof(THandler), typeof(JsonJobRunner<THandler>), policy);
        return this;
    }

    /// <summary>
    /// Registers a typed handler (<see cref="IJobHandler{TPayload}"/> or <see cref="IJobHandler{TPayload, TResult}"/>)
    /// for the job type of its payload (<see cref="JobTypeName.Of(Type)"/>), with an optional <paramref name="policy"/>.
    /// </summary>
    public JobWorkerBuilder AddHandler<THandler>(JobPolicy? policy = null) where THandler : class
    {
        var handler = typeof(THandler);
        var typed = handler.GetInterfaces().Where(i => i.IsGenericType
                && (i.GetGenericTypeDefinition() == typeof(IJobHandler<>) || i.GetGenericTypeDefinition() == typeof(IJobHandler<,>)))
            .ToList();
        if (typed.Count == 0)
        {
            throw new ArgumentException($"{handler.Name} implements neither IJobHandler<TPayload> nor IJobHandler<TPayload, TResult>; " +
                "a JSON handler (IJobHandler) is registered with AddHandler<T>(\"type\").");
        }

        foreach (var contract in typed)
        {
            var runner = contract.GetGenericArguments() is [var payload]
                ? typeof(TypedJobRunner<,>).MakeGenericType(handler, payload)
                : typeof(TypedJobRunner<,,>).MakeGenericType([handler, .. contract.GetGenericArguments()]);
            Register(JobTypeName.Of(contract.GetGenericArguments()[0]), handler, runner, policy);
        }

        return this;
    }

    private void Register(string type, Type handler, Type runner, JobPolicy? policy)
    {
        if (!JobTypeName.IsValid(type))
        {
            throw new ArgumentException($"'{type}' is not a valid job type ({JobTypeName.Rule}).", nameof(type));
        }

        if (policy?.Problem() is { } problem)
        {
            throw new ArgumentException($"The policy of job type '{type}' is out of bounds: {problem}", nameof(policy));
        }

        if (!_registry.Add(type, policy))
        {
            throw new InvalidOperationException($"Job type '{type}' already has a handler on this worker.");
        }

        Services.TryAddScoped(handler);
        Services.AddKeyedScoped(typeof(JobRunner), type, runner);
    }
}
