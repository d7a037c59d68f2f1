using System.Collections.Concurrent;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// The queues sharing one Redis: the default queue (<see cref="QueueOptions.Name"/>, whose keys are what they
/// always were) and every named queue a worker pool reads. Pools register the queues they read when they start;
/// a job can be sent to those, and found by its id in whichever holds it.
/// </summary>
public sealed class QueueDirectory(IConnectionMultiplexer redis, IOptions<QueueOptions> options)
{
    private readonly ConcurrentDictionary<string, QueueKeys> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _registered = new(StringComparer.Ordinal);

    private IDatabase Db => redis.GetDatabase();

    public string DefaultName => options.Value.Name;

    public QueueKeys Default => Keys(null);

    /// <summary>The keys of <paramref name="queue"/> (null: the default queue).</summary>
    public QueueKeys Keys(string? queue) => _keys.GetOrAdd(queue ?? DefaultName, name => QueueName.IsValid(name)
        ? new QueueKeys(name)
        : throw new ArgumentException($"'{name}' is not a valid queue name ({QueueName.Rule}).", nameof(queue)));

    /// <summary>Every queue: the default first, then the named ones in order.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync()
    {
        var named = await Db.SetMembersAsync(Default.Queues);
        return [DefaultName, .. named.Select(n => n.ToString()).Where(n => n != DefaultName).Order(StringComparer.Ordinal)];
    }

    /// <summary>Records that a worker pool reads <paramref name="queue"/> (idempotent).</summary>
    public Task RegisterAsync(string queue) => Db.SetAddAsync(Default.Queues, Keys(queue).Name);

    /// <summary>
    /// The keys of a queue jobs may be sent to: the default queue, or one a worker pool registered; otherwise
    /// <see cref="UnknownQueueException"/> (a job there would never run, and a misspelt name should say so).
    /// </summary>
    public async Task<QueueKeys> KnownAsync(string? queue)
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

    /// <summary>The queue holding job <paramref name="jobId"/>: the default queue is asked first, then the others at once.</summary>
    public async Task<QueueKeys?> LocateAsync(string jobId)
    {
        if (await Db.KeyExistsAsync(Default.Job(jobId)))
        {
            return Default;
        }

        var others = (await NamesAsync()).Skip(1).Select(Keys).ToList();
        var found = await Task.WhenAll(others.Select(keys => Db.KeyExistsAsync(keys.Job(jobId))));
        return others.Where((_, i) => found[i]).FirstOrDefault();
    }
}
