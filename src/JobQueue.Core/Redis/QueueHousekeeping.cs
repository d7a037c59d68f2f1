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
internal sealed class QueueHousekeeping(IConnectionMultiplexer redis, QueueDirectory queues, QueueOptions options)
{
    /// <summary>How many rounds the lease outlasts its holder's last one.</summary>
    public const int LeaseRounds = 5;

    /// <summary>This process's name in the lease: unique, and enough to find the process that holds it.</summary>
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Whether this process held the lease at its last round: it then extends it, where the others only try to take it.</summary>
    private bool _holding;

    private IDatabase Db => redis.GetDatabase();

    private TimeSpan Lease => options.HousekeepingInterval * LeaseRounds;

    /// <summary>
    /// Does one round if this process holds the lease (taking it when nobody does); returns whether it did, with how
    /// many jobs it moved and released. A round runs a queue's scripts only where they have work: a schedule whose
    /// first job is due, jobs held back: in an idle deployment a round costs Redis a command per process (the holder's
    /// extends the lease) and the holder's look at each queue (its clock, its schedule's first job, its held groups).
    /// </summary>
    public async Task<(bool Held, int Promoted, int Released)> RunOnceAsync()
    {
        var lease = queues.Default.HousekeepingLease;
        _holding = _holding
            ? (int)await QueueScripts.ExtendHousekeepingLease.EvaluateAsync(Db, [lease], [_holder, (long)Lease.TotalMilliseconds]) == 1
            : await Db.StringSetAsync(lease, _holder, Lease, When.NotExists);
        if (!_holding)
        {
            return (false, 0, 0);
        }

        var partitions = await queues.AllPartitionsAsync();
        var now = Db.NowAsync();
        var work = partitions.Select(keys => (Keys: keys, First: Db.SortedSetRangeByRankWithScoresAsync(keys.Scheduled, 0, 0),
            Held: Db.SetLengthAsync(keys.HeldGroups))).ToList();
        var (promoted, released) = (0, 0);
        foreach (var (keys, first, held) in work)
        {
            var maintenance = new QueueMaintenance(redis, keys, options);
            if (await first is [var next] && next.Score <= (await now).ToUnixTimeMilliseconds())
            {
                promoted += await maintenance.PromoteDueAsync();
            }

            if (await held > 0)
            {
                released += await maintenance.ReleaseHeldAsync();
            }
        }

        return (true, promoted, released);
    }
}
