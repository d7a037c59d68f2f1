using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Tells a queue's scripts that a process listens for the changes of its jobs: a change of a job without an owner is
/// published only then, or while the queue's event log is on (see _prelude.lua's publish), so a queue nobody watches
/// pays nothing for messages nobody reads. A process is a listener of a queue for a lease (<see cref="Lease"/>), which
/// it renews while it listens; one that dies drops out when its lease passes.
/// </summary>
internal sealed class QueueListeners(IConnectionMultiplexer redis)
{
    /// <summary>How long an announcement holds: a process renews it every third of it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    /// <summary>Announces (or renews) <paramref name="listener"/> as a listener of the queue (or partition) of <paramref name="keys"/>.</summary>
    public Task AnnounceAsync(QueueKeys keys, string listener) =>
        redis.GetDatabase().ScriptEvaluateAsync(QueueScripts.Listen, [keys.Listeners], [listener, (long)Lease.TotalMilliseconds]);

    /// <summary>Withdraws <paramref name="listener"/>: it no longer listens to that queue (the others, if any, still do).</summary>
    public Task WithdrawAsync(QueueKeys keys, string listener) => redis.GetDatabase().SortedSetRemoveAsync(keys.Listeners, listener);
}
