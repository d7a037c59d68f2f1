using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Keeps this process announced as a listener of each queue (or partition) one of whose jobs it follows for a client
/// (<see cref="QueueListeners"/>): the changes of a job without an owner are published only while some process listens.
/// The first follower of a queue waits for the announcement before it reads its job, so no change falls in between;
/// while any follows, the announcement is renewed every third of its lease, and at once when the connection to Redis
/// comes back (a restarted Redis may have lost it); the last follower to leave withdraws it.
/// </summary>
internal sealed class QueueListening(IConnectionMultiplexer redis, ILogger<QueueListening> logger) : BackgroundService
{
    private readonly QueueListeners _listeners = new(redis);
    private readonly string _listener = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Dictionary<string, Listened> _queues = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

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
                await RenewAllAsync();
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

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _ = RenewAllAsync();

    private async Task RenewAllAsync()
    {
        List<Listened> listened;
        lock (_lock)
        {
            listened = [.. _queues.Values];
        }

        foreach (var queue in listened)
        {
            try
            {
                await _listeners.AnnounceAsync(queue.Keys, _listener);
            }
            catch (Exception e) when (e.IsRedisFailure())
            {
                logger.LogDebug("Renewing this process's listening to queue {Queue} failed: {Reason}", queue.Keys.Name, e.Message);
            }
        }
    }

    private void Leave(Listened listened)
    {
        lock (_lock)
        {
            if (--listened.Followers > 0 || !_queues.Remove(listened.Keys.Name))
            {
                return;
            }
        }

        _ = WithdrawAsync(listened.Keys);
    }

    private async Task WithdrawAsync(QueueKeys keys)
    {
        try
        {
            await _listeners.WithdrawAsync(keys, _listener);
        }
        catch (Exception e) when (e.IsRedisFailure())
        {
            // The lease passes on its own.
            logger.LogDebug("Withdrawing this process's listening to queue {Queue} failed: {Reason}", keys.Name, e.Message);
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
