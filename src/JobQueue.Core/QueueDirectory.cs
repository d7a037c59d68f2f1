using System.Collections.Concurrent;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// The queues sharing one Redis: the default queue (<see cref="QueueOptions.Name"/>, whose keys are what they
/// always were) and every named queue a worker pool reads, each with its partitions (<see cref="QueuePartitions"/>).
/// Pools register the queues they read when they start; a job can be sent to those, and found by its id in whichever
/// partition of whichever queue holds it.
/// </summary>
public sealed class QueueDirectory(IConnectionMultiplexer redis, IOptions<QueueOptions> options)
{
    /// <summary>How long a queue's partition count is taken from memory before it is read again (a pool may add partitions).</summary>
    private static readonly TimeSpan PartitionsRefresh = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, QueueKeys> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _registered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (IReadOnlyList<QueueKeys> Keys, long ReadAt)> _partitions = new(StringComparer.Ordinal);

    private IDatabase Db => redis.GetDatabase();

    public string DefaultName => options.Value.Name;

    internal QueueKeys Default => Keys(null);

    /// <summary>The keys of <paramref name="queue"/> (null: the default queue) or of one partition of a queue.</summary>
    internal QueueKeys Keys(string? queue) => _keys.GetOrAdd(queue ?? DefaultName, name => QueueName.IsValid(name) || QueuePartitions.IsPartitionName(name)
        ? new QueueKeys(name)
        : throw new ArgumentException($"'{name}' is not a valid queue name ({QueueName.Rule}).", nameof(queue)));

    /// <summary>Every queue: the default first, then the named ones in order (partitions are not queues of their own).</summary>
    public async Task<IReadOnlyList<string>> NamesAsync() =>
        [.. (await RegisteredAsync()).Where(QueueName.IsValid)];

    /// <summary>The keys of every partition of every queue: where a job with a given id may be.</summary>
    internal async Task<IReadOnlyList<QueueKeys>> AllPartitionsAsync() => [.. (await RegisteredAsync()).Select(Keys)];

    /// <summary>
    /// The keys of each partition of <paramref name="queue"/> (null: the default queue), partition 0 first; one for a
    /// queue that is not partitioned. Read from the registry now: what pausing, listing and counting a queue need, so that
    /// none misses a partition a pool registered a moment ago.
    /// </summary>
    internal async Task<IReadOnlyList<QueueKeys>> PartitionsAsync(string? queue)
    {
        var keys = Keys(queue);
        return [.. Enumerable.Range(0, await PartitionCountAsync(keys.Queue)).Select(i => Keys(QueuePartitions.NameOf(keys.Queue, i)))];
    }

    /// <summary>
    /// <see cref="PartitionsAsync"/> read from the registry at most every 10 seconds, for the one caller on the hot path:
    /// the choice of a new job's partition. A job sent to partition 0 meanwhile still runs (pools read every partition).
    /// </summary>
    internal async Task<IReadOnlyList<QueueKeys>> CachedPartitionsAsync(string queue)
    {
        if (_partitions.TryGetValue(queue, out var known) && Environment.TickCount64 - known.ReadAt < PartitionsRefresh.TotalMilliseconds)
        {
            return known.Keys;
        }

        var partitions = await PartitionsAsync(queue);
        _partitions[queue] = (partitions, Environment.TickCount64);
        return partitions;
    }

    /// <summary>How many partitions pools registered for <paramref name="queue"/>: 1 if none did.</summary>
    public async Task<int> PartitionCountAsync(string queue)
    {
        var registered = await RegisteredAsync();
        return 1 + registered.Count(name => QueuePartitions.IsPartitionName(name) && QueuePartitions.QueueOf(name) == queue);
    }

    /// <summary>
    /// Records that a worker pool reads <paramref name="queue"/> spread over <paramref name="partitions"/> (idempotent). A
    /// queue's partitions only grow: jobs may wait in each, so none is forgotten.
    /// </summary>
    public Task RegisterAsync(string queue, int partitions = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions, QueuePartitions.Max);
        var name = Keys(queue).Name;
        return Db.SetAddAsync(Default.Queues, [.. Enumerable.Range(0, partitions).Select(i => (RedisValue)QueuePartitions.NameOf(name, i))]);
    }

    /// <summary>
    /// Makes <paramref name="queue"/> ready before any worker of it has run, as a pool does when it starts: registered (so
    /// jobs may be sent to it) and each partition's stream with its consumer group from the start (so the first worker
    /// reads the jobs queued before it). Idempotent. The AppHost's queue resources, the API's declared queues and the
    /// autoscaler of a pool that scales to zero call it.
    /// </summary>
    public async Task PrepareAsync(string queue)
    {
        await RegisterAsync(queue);
        foreach (var keys in await PartitionsAsync(queue))
        {
            await JobConsumer.EnsureGroupAsync(Db, keys);
        }
    }

    /// <summary>
    /// The keys of a queue jobs may be sent to (its partition 0): the default queue, or one a worker pool registered;
    /// otherwise <see cref="UnknownQueueException"/> (a job there would never run, and a misspelt name should say so).
    /// </summary>
    internal async Task<QueueKeys> KnownAsync(string? queue)
    {
        var keys = Keys(queue);
        if (keys.Name == DefaultName || _registered.ContainsKey(keys.Name))
        {
            return keys;
        }

        if (!await Db.SetContainsAsync(Default.Queues, keys.Name))
        {
            throw new UnknownQueueException(keys.Name, await NamesAsync());
        }

        _registered[keys.Name] = true; // a queue once read stays known: nothing unregisters one
        return keys;
    }

    /// <summary>The partition holding job <paramref name="jobId"/>: the default queue is asked first, then the others at once.</summary>
    internal async Task<QueueKeys?> LocateAsync(string jobId)
    {
        if (await Db.KeyExistsAsync(Default.Job(jobId)))
        {
            return Default;
        }

        var others = (await AllPartitionsAsync()).Skip(1).ToList();
        var found = await Task.WhenAll(others.Select(keys => Db.KeyExistsAsync(keys.Job(jobId))));
        return others.Where((_, i) => found[i]).FirstOrDefault();
    }

    /// <summary>Every registered name of a queue or partition, the default queue first, then in ordinal order.</summary>
    private async Task<IReadOnlyList<string>> RegisteredAsync()
    {
        var named = (await Db.SetMembersAsync(Default.Queues)).Select(n => n.ToString());
        return [DefaultName, .. named.Where(n => n != DefaultName && (QueueName.IsValid(n) || QueuePartitions.IsPartitionName(n))).Order(StringComparer.Ordinal)];
    }
}
