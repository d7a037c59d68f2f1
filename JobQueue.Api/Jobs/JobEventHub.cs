using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Fans job changes out to the clients watching them on this API process. One Redis subscription per
/// process (not per client) carries every change of every job of every queue (a pattern over the queues' event
/// channels, so a queue added later is heard too); a watcher gets the changes of its job only. Changes come from
/// whichever process made them, so a client hears about its job on any API replica.
/// </summary>
public sealed class JobEventHub(IConnectionMultiplexer redis, ILogger<JobEventHub> logger) : IHostedService
{
    private const int BufferPerWatcher = 256;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<JobChange>, byte>> _watchers = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _subscribing = Task.CompletedTask;
    private ChannelMessageQueue? _subscription;

    /// <summary>Starts collecting a job's changes; read the job's state after this, so no change falls in between.</summary>
    public JobWatch Watch(string jobId)
    {
        // The newest change matters most (it may be the terminal one): a slow reader loses the oldest.
        var changes = Channel.CreateBounded<JobChange>(new BoundedChannelOptions(BufferPerWatcher) { FullMode = BoundedChannelFullMode.DropOldest });
        _watchers.GetOrAdd(jobId, _ => new())[changes] = 0;
        return new JobWatch(changes.Reader, () => Unwatch(jobId, changes));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscribing = SubscribeAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _subscribing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_subscription is not null)
        {
            await _subscription.UnsubscribeAsync();
        }
    }

    /// <summary>
    /// Subscribes, retrying while Redis is unreachable: the API starts (and answers 503 to what needs Redis)
    /// during an outage instead of failing to start. Watchers re-read their job meanwhile (see JobFollower).
    /// </summary>
    private async Task SubscribeAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // A message queue, not a plain handler: plain handlers may run concurrently, and a watcher would
                // then see version 6 before 5, and rightly drop 5 as stale.
                _subscription = await redis.GetSubscriber().SubscribeAsync(QueueKeys.AllEvents);
                _subscription.OnMessage(message => Deliver(message.Message));
                return;
            }
            catch (Exception e) when (e.IsRedisFailure())
            {
                logger.LogWarning("Cannot subscribe to job events yet ({Reason}); retrying every second", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Deliver(RedisValue message)
    {
        if (!JobChange.TryParse(message.ToString(), out var change, out var reason))
        {
            logger.LogWarning("Ignoring a malformed job event: {Reason}", reason);
            return;
        }

        if (_watchers.TryGetValue(change.JobId, out var watchers))
        {
            foreach (var watcher in watchers.Keys)
            {
                watcher.Writer.TryWrite(change);
            }
        }
    }

    private void Unwatch(string jobId, Channel<JobChange> changes)
    {
        if (_watchers.TryGetValue(jobId, out var watchers))
        {
            watchers.TryRemove(changes, out _);
            if (watchers.IsEmpty)
            {
                _watchers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Channel<JobChange>, byte>>(jobId, watchers));
            }
        }
    }
}

/// <summary>The changes of one watched job; dispose to stop watching.</summary>
public sealed class JobWatch(ChannelReader<JobChange> changes, Action unwatch) : IDisposable
{
    public ChannelReader<JobChange> Changes => changes;

    public void Dispose() => unwatch();
}
