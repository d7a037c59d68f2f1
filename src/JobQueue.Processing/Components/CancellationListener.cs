using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Hears the ids of running jobs that were canceled (one subscription per worker) and stops their handlers
/// here. A worker that misses a message still cannot record a result: the job is already `canceled`.
/// </summary>
internal sealed class CancellationListener(IConnectionMultiplexer redis, WorkerQueues queues, JobDispatcher dispatcher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.WhenAll(queues.All.Select(q =>
        redis.GetSubscriber().SubscribeAsync(q.Consumer.Keys.Cancel, (_, jobId) => dispatcher.Cancel(jobId.ToString()))));

    public Task StopAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(queues.All.Select(q => redis.GetSubscriber().UnsubscribeAsync(q.Consumer.Keys.Cancel)));
}
