using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Keeps this process announced as a listener of each queue (or partition) one of whose jobs it follows for a client
/// (<see cref="QueueListeners"/>): the changes of a job without an owner are published only while some process listens.
/// The first follower of a queue waits for the announcement before it reads its job, so no change falls in between;
/// while any follows, the announcement is renewed every third of its lease, and at once when the connection to Redis
/// comes back. Once none follows, it is no longer renewed and its lease passes: withdrawing it at once could land
/// after the next follower's announcement and undo it. A renewal that fails, or finds the announcement gone (its lease
/// passed while Redis was slow, or Redis lost it: a failover, a flush), counts a lapse (<see cref="Lapses"/>): changes
/// may have gone unpublished, and a follower reads its job again.
/// </summary>
internal sealed class QueueListening(IConnectionMultiplexer redis, ILogger<QueueListening> logger) : BackgroundService
{
    private readonly QueueListeners _listeners = new(redis);
    private readonly string _listener = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Dictionary<string, Listened> _queues = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _lapses;

    /// <summary>How many times an announcement of this process was found lapsed or could not be renewed.</summary>
    public long Lapses => Interlocked.Read(ref _lapses);

    /// <summary>Listens to the queue (or partition) of <paramref name="keys"/> until the result is disposed.</summary>
    public async Task<IDisposable> ListenAsync(QueueKeys keys)
    {
        Listened? listened;
        Task announced;
        lock (_lock)
        {
            if (!_queues.TryGetValue(keys.Name, out listened))
            {
                listened = _queues[keys.Name] = new Listened(keys);
            }

            if (listened.Announced is null or { IsFaulted: true })
            {
                listened.Announced = _listeners.AnnounceAsync(keys, _listener);
            }

            listened.Followers++;
            announced = listened.Announced;
        }

        var leaving = new Leaving(() => Leave(listened));
        try
        {
            await announced; // also for a second follower: the first one's announcement may be on its way
            return leaving;
        }
        catch
        {
            leaving.Dispose();
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            using var timer = new PeriodicTimer(QueueListeners.Lease / 3);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RenewAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _ = RenewAsync();

    /// <summary>Renews the queues followed now, and forgets those none follows (their leases pass).</summary>
    private async Task RenewAsync()
    {
        List<Listened> followed;
        lock (_lock)
        {
            foreach (var idle in _queues.Values.Where(q => q.Followers == 0).ToList())
            {
                _queues.Remove(idle.Keys.Name);
            }

            followed = [.. _queues.Values];
        }

        foreach (var queue in followed)
        {
            try
            {
                if (!await _listeners.AnnounceAsync(queue.Keys, _listener))
                {
                    Interlocked.Increment(ref _lapses);
                    logger.LogInformation("This process's listening to queue {Queue} had lapsed; renewed", queue.Keys.Name);
                }
            }
            catch (Exception e) when (e.IsRedisFailure())
            {
                Interlocked.Increment(ref _lapses);
                logger.LogWarning("Renewing this process's listening to queue {Queue} failed: {Reason}", queue.Keys.Name, e.Message);
            }
        }
    }

    private void Leave(Listened listened)
    {
        lock (_lock)
        {
            listened.Followers--;
        }
    }

    private sealed class Listened(QueueKeys keys)
    {
        public QueueKeys Keys => keys;

        /// <summary>The first announcement (again if it failed: Redis was unreachable).</summary>
        public Task? Announced { get; set; }

        public int Followers { get; set; }
    }

    private sealed class Leaving(Action leave) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                leave();
            }
        }
    }
}
