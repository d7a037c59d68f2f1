using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Tells a queue's scripts that a process listens for the changes of its jobs: a change of a job without an owner is
/// published only then, or while the queue's event log is on (see _prelude.lua's publish), so a queue nobody watches
/// pays nothing for messages nobody reads. A process is a listener of a queue for a lease (<see cref="Lease"/>), which
/// it renews while it listens and lets pass when it stops; one that dies drops out when its lease passes.
/// </summary>
internal sealed class QueueListeners(IConnectionMultiplexer redis)
{
    /// <summary>How long an announcement holds: a process renews it every third of it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Announces (or renews) <paramref name="listener"/> as a listener of the queue (or partition) of <paramref name="keys"/>.
    /// False if it was not listed: a first announcement, or one that lapsed (its lease passed, or Redis lost it).
    /// </summary>
    public async Task<bool> AnnounceAsync(QueueKeys keys, string listener) =>
        (long)await QueueScripts.Listen.EvaluateAsync(redis.GetDatabase(), [keys.Listeners], [listener, (long)Lease.TotalMilliseconds]) == 1;
}
