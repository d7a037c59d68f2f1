using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// A deployment's housekeeping of every queue and partition in its registry, done by one process at a time: moving
/// scheduled jobs (delayed, or retries waiting out their back-off) into their stream once due, and giving jobs their
/// group's limit held back a new entry once their group has room. Every process that needs due jobs to move opts in (a
/// worker; an API whose queues' pools may scale to zero; the AppHost's autoscaler) and they share a lease in Redis
/// (<see cref="QueueKeys.HousekeepingLease"/>): its holder does each round, the others only ask for it, so the work
/// per round stays the same however many processes run. When the holder stops, another takes over once the lease
/// lapses (<see cref="LeaseRounds"/> rounds). Each step is one script that moves each job once, so two holders at once
/// (a holder paused past its lease) still enqueue each job exactly once.
/// </summary>
public sealed class QueueHousekeeping(IConnectionMultiplexer redis, QueueDirectory queues, QueueOptions options)
{
    /// <summary>How many rounds the lease outlasts its holder's last one.</summary>
    public const int LeaseRounds = 5;

    /// <summary>This process's name in the lease: unique, and enough to find the process that holds it.</summary>
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private IDatabase Db => redis.GetDatabase();

    private TimeSpan Lease => options.HousekeepingInterval * LeaseRounds;

    /// <summary>
    /// Does one round if this process holds the lease (taking it when nobody does); returns whether it did, with how
    /// many jobs it moved and released.
    /// </summary>
    public async Task<(bool Held, int Promoted, int Released)> RunOnceAsync()
    {
        var held = (int)await Db.ScriptEvaluateAsync(QueueScripts.HousekeepingLease, [queues.Default.HousekeepingLease],
            [_holder, (long)Lease.TotalMilliseconds]) == 1;
        if (!held)
        {
            return (false, 0, 0);
        }

        var (promoted, released) = (0, 0);
        foreach (var keys in await queues.AllPartitionsAsync())
        {
            var maintenance = new QueueMaintenance(redis, keys, options);
            promoted += await maintenance.PromoteDueAsync();
            released += await maintenance.ReleaseHeldAsync();
        }

        return (true, promoted, released);
    }
}
