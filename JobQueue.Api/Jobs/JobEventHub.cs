using System.Collections.Concurrent;
using System.Threading.Channels;
using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Fans job changes out to the clients listening on this API process: to the watchers of a job, of an owner (all
/// their jobs) and of a queue. One Redis subscription per process (not per client) carries every change of every
/// job of every queue (a pattern over the queues' event channels, so a queue added later is heard too). Changes come
/// from whichever process made them, so a client hears them on any API replica: this is the origin system's
/// pub/sub-fed WebSocket fleet.
/// </summary>
public sealed class JobEventHub(IConnectionMultiplexer redis, ILogger<JobEventHub> logger) : IHostedService
{
    private const int BufferPerJobWatcher = 256;
    private readonly Listeners _byJob = new(), _byOwner = new(), _byQueue = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _subscribing = Task.CompletedTask;
    private ChannelMessageQueue? _subscription;
    private long _restorations;

    /// <summary>
    /// How many times the connection to Redis came back after a failure: a listener that sees this change may have
    /// missed changes published meanwhile (pub/sub keeps nothing), and reads them back.
    /// </summary>
    public long Restorations => Interlocked.Read(ref _restorations);

    /// <summary>
    /// Whether this process hears job changes yet: it subscribes in the background after it starts, and a follower
    /// that connected before would miss the changes in between (all but the last, which its keep-alive re-read finds).
    /// </summary>
    public bool Listening => _subscription is not null;

    /// <summary>Starts collecting a job's changes; read the job's state after this, so no change falls in between.</summary>
    public JobWatch WatchJob(string jobId) =>
        // The newest change matters most (it may be the terminal one): a slow reader loses the oldest, and the newest,
        // which it keeps, says where the job is.
        _byJob.Add(jobId, new BoundedChannelOptions(BufferPerJobWatcher) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>
    /// Starts collecting the changes of every job of an owner. A listener that falls <paramref name="buffer"/> changes
    /// behind is dropped (<see cref="JobWatch.Dropped"/>): it resumes from its last event id, so it loses nothing,
    /// and it never holds back the others or grows this process's memory.
    /// </summary>
    public JobWatch WatchOwner(string owner, int buffer) => _byOwner.Add(owner, Dropping(buffer));

    /// <summary>Starts collecting every change of a queue's jobs, on the terms of <see cref="WatchOwner"/>.</summary>
    public JobWatch WatchQueue(string queue, int buffer) => _byQueue.Add(queue, Dropping(buffer));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        _subscribing = SubscribeAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        await _stopping.CancelAsync();
        await _subscribing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_subscription is not null)
        {
            await _subscription.UnsubscribeAsync();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Interlocked.Increment(ref _restorations);

    private static BoundedChannelOptions Dropping(int buffer) => new(buffer) { FullMode = BoundedChannelFullMode.Wait };

    /// <summary>
    /// Subscribes, retrying while Redis is unreachable: the API starts (and answers 503 to what needs Redis)
    /// during an outage instead of failing to start. Listeners re-read what they follow meanwhile.
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
                _subscription.OnMessage(message => Deliver(message.Channel, message.Message));
                return;
            }
            catch (Exception e) when (e.IsRedisFailure())
            {
                logger.LogWarning("Cannot subscribe to job events yet ({Reason}); retrying every second", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Deliver(RedisChannel channel, RedisValue message)
    {
        if (!_byJob.Any && !_byOwner.Any && !_byQueue.Any)
        {
            // Nobody follows anything on this process: every change of every queue arrives here, so reading it
            // would be work for no one (someone who starts following reads the state after listening).
            return;
        }

        if (!JobChange.TryParse(message.ToString(), out var change, out var reason))
        {
            logger.LogWarning("Ignoring a malformed job event: {Reason}", reason);
            return;
        }

        var queued = new QueuedChange(QueueKeys.QueueOf(channel), change);
        _byJob.Send(change.JobId, queued);
        if (change.Owner is { } owner)
        {
            _byOwner.Send(owner, queued);
        }

        _byQueue.Send(queued.Queue, queued);
    }

    /// <summary>The listeners of one kind (of a job, an owner, a queue), by what they listen to.</summary>
    private sealed class Listeners
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<Listener, byte>> _byKey = new();
        private int _count;

        /// <summary>Whether anyone listens (a counter: ConcurrentDictionary.IsEmpty takes every lock when it is empty).</summary>
        public bool Any => Volatile.Read(ref _count) > 0;

        public JobWatch Add(string key, BoundedChannelOptions options)
        {
            var listener = new Listener(Channel.CreateBounded<QueuedChange>(options));
            Interlocked.Increment(ref _count);
            _byKey.GetOrAdd(key, _ => new())[listener] = 0;
            return new JobWatch(listener.Changes.Reader, listener.Dropped.Token, () => Remove(key, listener));
        }

        public void Send(string key, QueuedChange change)
        {
            if (!_byKey.TryGetValue(key, out var listeners))
            {
                return;
            }

            foreach (var listener in listeners.Keys)
            {
                if (!listener.Changes.Writer.TryWrite(change) && !listener.Dropped.IsCancellationRequested)
                {
                    // Full (only a dropping channel refuses a write): the listener is too slow to keep. Its callback
                    // (aborting its connection) runs on the thread pool, not on the one thread delivering to everyone.
                    _ = listener.Dropped.CancelAsync();
                }
            }
        }

        private void Remove(string key, Listener listener)
        {
            if (_byKey.TryGetValue(key, out var listeners))
            {
                if (listeners.TryRemove(listener, out _))
                {
                    Interlocked.Decrement(ref _count);
                }

                if (listeners.IsEmpty)
                {
                    _byKey.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Listener, byte>>(key, listeners));
                }
            }
        }
    }

    private sealed record Listener(Channel<QueuedChange> Changes)
    {
        // Never disposed: it has no timer, and a change may be sent while the listener leaves.
        public CancellationTokenSource Dropped { get; } = new();
    }
}

/// <summary>A change of a job and the queue that holds it.</summary>
public sealed record QueuedChange(string Queue, JobChange Change);

/// <summary>
/// The changes a listener collects; <see cref="Dropped"/> fires when it fell too far behind and must reconnect.
/// Dispose to stop listening.
/// </summary>
public sealed class JobWatch(ChannelReader<QueuedChange> changes, CancellationToken dropped, Action stop) : IDisposable
{
    public CancellationToken Dropped => dropped;

    /// <summary>The next change, or null if none came within <paramref name="quiet"/> (a keep-alive is due).</summary>
    public async Task<QueuedChange?> NextAsync(TimeSpan quiet, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(quiet);
        try
        {
            return await changes.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => stop();
}
