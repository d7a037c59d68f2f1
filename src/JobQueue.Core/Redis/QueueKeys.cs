using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Every Redis key and channel of one queue, each named as its key is (<c>Scheduled</c> is <c>{jobs}:scheduled</c>).
/// All share the hash tag <c>{name}</c>, so each script touches a single slot and the queue runs unchanged on Redis Cluster.
/// </summary>
internal sealed class QueueKeys(string queueName)
{
    /// <summary>Consumer group the workers read through.</summary>
    public const string ConsumerGroup = "workers";

    private readonly string _prefix = "{" + queueName + "}:";

    /// <summary>The name in the keys' hash tag: the queue's, or one partition's (<c>emails~1</c>: see <see cref="QueuePartitions"/>).</summary>
    public string Name => queueName;

    /// <summary>The queue these keys belong to, as users name it (a partition's queue).</summary>
    public string Queue { get; } = QueuePartitions.QueueOf(queueName);

    /// <summary>Stream of entries naming a <c>job_id</c>: one per job waiting or running.</summary>
    public RedisKey Stream => _prefix + "stream";

    /// <summary>
    /// Sorted set with one member, raised whenever an entry joins <see cref="Stream"/>: idle workers wait on it with
    /// BZPOPMIN, which hands it to one of them, so new work wakes one worker (_prelude.lua's wake_one_worker).
    /// </summary>
    public RedisKey Wake => _prefix + "wake";

    /// <summary>Prefix of the job hashes (scripts that find jobs by id build their keys from it).</summary>
    public string JobPrefix => _prefix + "job:";

    /// <summary>Hash holding one job's state (see docs/architecture.md, "Redis keys").</summary>
    public RedisKey Job(string jobId) => JobPrefix + jobId;

    /// <summary>Hash of the jobs waiting for this one: dependant id → its policy, with '+' once the edge counted (see _dependencies.lua).</summary>
    public RedisKey Dependants(string jobId) => JobPrefix + jobId + ":dependants";

    /// <summary>Hash of the results of this job's dependencies that ended done: dependency id → result JSON.</summary>
    public RedisKey DependencyResults(string jobId) => JobPrefix + jobId + ":results";

    /// <summary>Sorted set of every job id by creation time (ms): the listing index.</summary>
    public RedisKey Jobs => _prefix + "jobs";

    /// <summary>Sorted set of scheduled job ids by due time (ms).</summary>
    public RedisKey Scheduled => _prefix + "scheduled";

    /// <summary>Stream of dead letters: jobs that failed for good (<c>job_id</c>, <c>type</c>, <c>attempts</c>, <c>error</c>).</summary>
    public RedisKey Dead => _prefix + "dead";

    /// <summary>Set of the job types workers have handlers for (each worker adds its own when it starts).</summary>
    public RedisKey Types => _prefix + "types";

    /// <summary>Hash of totals: how many jobs ended <c>done</c>, <c>failed</c>, <c>canceled</c>.</summary>
    public RedisKey Stats => _prefix + "stats";

    /// <summary>
    /// Hash of what an operator set for the queue (<see cref="QueueControls"/>): <c>paused</c> (1 while paused),
    /// <c>concurrency</c>, <c>rate_max</c>, <c>rate_period_ms</c> and <c>group_concurrency</c> (each absent while unlimited),
    /// <c>event_log_length</c> (absent: the default length of <see cref="EventLog"/>).
    /// </summary>
    public RedisKey Controls => _prefix + "controls";

    /// <summary>
    /// Set of the groups that have jobs held back by the group limit (each in <c>{q}:group:&lt;group&gt;:waiting</c>,
    /// a list; the group's running jobs in <c>{q}:group:&lt;group&gt;:running</c>, a set; see _prelude.lua's group_key).
    /// </summary>
    public RedisKey HeldGroups => _prefix + "groups";

    /// <summary>How many jobs started in the current rate-limit window; expires with the window.</summary>
    public RedisKey RateWindow => _prefix + "rate";

    /// <summary>Set of the names of every queue a worker pool reads, and of their partitions: kept on the default queue's keys only.</summary>
    public RedisKey Queues => _prefix + "queues";

    /// <summary>
    /// The name of the process doing every queue's housekeeping now, expiring unless it renews it
    /// (<see cref="QueueHousekeeping"/>): kept on the default queue's keys only.
    /// </summary>
    public RedisKey HousekeepingLease => _prefix + "housekeeping";

    /// <summary>
    /// Sorted set of every schedule's name by its next occurrence (ms; <c>+inf</c> while paused or never again): what
    /// the schedulers poll. Kept on the default queue's keys only, with each schedule's hash (<see cref="Schedule"/>).
    /// </summary>
    public RedisKey Schedules => _prefix + "schedules";

    /// <summary>
    /// Pub/sub channel told the name of a schedule just written or resumed, on the default queue's keys: the workers'
    /// schedule firers look again at once instead of at the end of their sleep.
    /// </summary>
    public RedisChannel SchedulesChanged => RedisChannel.Literal(_prefix + "schedules-changed");

    /// <summary>Hash of one schedule: its definition, <c>paused</c>, <c>next_due</c> and its last run (see docs/architecture.md, "Redis keys").</summary>
    public RedisKey Schedule(string name) => _prefix + "schedule:" + name;

    /// <summary>
    /// Hash of the worker processes that read the queue: consumer name → registration (JSON: pool, instance, host, process
    /// id, start, queues, stopped; see <see cref="WorkerRegistration"/>). Kept per queue, in its slot, so a job's attempts
    /// are read with the registrations of the workers that ran them in one script call (attempts.lua).
    /// </summary>
    public RedisKey Workers => _prefix + "workers";

    /// <summary>
    /// Sorted set of the workers of <see cref="Workers"/> by when each last registered (ms, Redis's clock): where
    /// register_worker.lua finds the ones not seen for long, to forget them.
    /// </summary>
    public RedisKey WorkersSeen => _prefix + "workers-seen";

    /// <summary>Holds the job id an idempotency key was first used for (the key itself is hashed).</summary>
    public RedisKey Idempotency(string key) =>
        _prefix + "idempotency:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// Sorted set of one owner's job ids by the time of their last change (ms): what a device that reconnects reads to
    /// catch up. Kept 7 days past its jobs' last change (see _prelude.lua's publish).
    /// </summary>
    public RedisKey OwnerIndex(string owner) => _prefix + "owner:" + owner;

    /// <summary>
    /// Stream of every change of the queue's jobs (<c>event</c>: the status or <c>progress</c>; <c>data</c>: the state as
    /// published), capped near <c>event_log_length</c> of <see cref="Controls"/> (off unless set).
    /// </summary>
    public RedisKey EventLog => _prefix + "event-log";

    /// <summary>
    /// Pub/sub channel carrying the changes of the jobs someone can hear (to the API processes): every change of a job
    /// with an owner, and of any job while the event log is on or a process listens (<see cref="Listeners"/>).
    /// </summary>
    public RedisChannel Events => RedisChannel.Literal(_prefix + "events");

    /// <summary>
    /// Sorted set of the processes that listen for changes of this queue's jobs (an API process following a job for a
    /// client), each until when by Redis's clock (ms); it expires with the last of them. While it exists, every change is
    /// published on <see cref="Events"/> (see _prelude.lua's publish and <see cref="QueueListeners"/>).
    /// </summary>
    public RedisKey Listeners => _prefix + "listeners";

    /// <summary>Pattern matching every queue's <see cref="Events"/> channel.</summary>
    public static RedisChannel AllEvents => RedisChannel.Pattern("{*}:events");

    /// <summary>The queue whose <see cref="Events"/> channel this is (<c>{emails}:events</c> and <c>{emails~1}:events</c>: <c>emails</c>).</summary>
    public static string QueueOf(RedisChannel events)
    {
        var name = events.ToString();
        return QueuePartitions.QueueOf(name[1..name.IndexOf('}')]);
    }

    /// <summary>Pub/sub channel carrying the ids of running jobs that were canceled (to the workers).</summary>
    public RedisChannel Cancel => RedisChannel.Literal(_prefix + "cancel");
}
