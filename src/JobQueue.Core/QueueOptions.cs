using Microsoft.Extensions.Configuration;
using System.ComponentModel.DataAnnotations;

namespace JobQueue;

/// <summary>Settings every process sharing the queues must agree on (configuration section <c>Queue</c>): they apply to every queue.</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Queue";

    /// <summary>Name of the default queue (jobs that name none go there); its Redis keys are <c>{Name}:...</c>, one hash slot.</summary>
    [Required, RegularExpression(QueueName.Pattern)]
    public string Name { get; set; } = "jobs";

    /// <summary>Most times a job's handler may start (1 run + retries). The default is 2: one run and one retry.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 2;

    /// <summary>
    /// A claimed job's lease: how long its worker may go without renewing it (it renews every third of it) before other
    /// workers take it back, as from a worker that died, hung or lost Redis. Not a limit on how long a job runs (that is
    /// <c>Worker:JobTimeout</c>): a healthy worker holds a long job as long as it runs. Configuration key
    /// <c>Queue:LeaseTimeout</c>; <c>Queue:ProcessingTimeout</c>, its former name, is still read when it is absent.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The former configuration key of <see cref="LeaseTimeout"/>, read when that one is absent.</summary>
    public const string LeaseTimeoutFormerKey = "ProcessingTimeout";

    /// <summary>How long a done or canceled job is kept after it ended.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a failed job and its dead letter are kept.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan DeadLetterRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long an Idempotency-Key keeps returning the job it first created.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How late a schedule's occurrence may be run and still count as on time; one later than this was missed, and its
    /// schedule's misfire policy decides (one catch-up job, or none).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan ScheduleMisfireGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many replicas must have a new job before enqueuing succeeds (<c>WAIT</c> after the enqueue script, on the master
    /// of the queue's slot); fewer within <see cref="ReplicationTimeout"/> and the enqueue throws
    /// <see cref="Redis.NotReplicatedException"/> (the API answers 503: retry with the same Idempotency-Key). 0, the
    /// default: a job is accepted once its master has it, and an acknowledged job can be lost if that master dies before
    /// its replica has it (Redis replicates asynchronously).
    /// </summary>
    [Range(0, 10)]
    public int ReplicationAcks { get; set; }

    /// <summary>How long an enqueue waits for <see cref="ReplicationAcks"/> replicas.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan ReplicationTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often scheduled jobs that came due are moved into their queue's stream, and jobs their group's limit held back
    /// are released (<see cref="Redis.QueueHousekeeping"/>): a delay's resolution. <c>Worker:ForwarderInterval</c>, its
    /// former key, is still read when it is absent.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The former configuration key of <see cref="HousekeepingInterval"/> (a worker's setting), read when that one is absent.</summary>
    public const string HousekeepingIntervalFormerKey = "Worker:ForwarderInterval";

    /// <summary>
    /// Binds the <c>Queue</c> section of <paramref name="configuration"/> onto <paramref name="options"/>: every setting
    /// by its name, and the lease and the housekeeping interval from their former keys when only those are set. The one
    /// place the section is read.
    /// </summary>
    public static QueueOptions Bind(IConfiguration configuration, QueueOptions options)
    {
        var section = configuration.GetSection(SectionName);
        section.Bind(options);
        if (section[nameof(LeaseTimeout)] is null && section[LeaseTimeoutFormerKey] is not null)
        {
            options.LeaseTimeout = section.GetValue<TimeSpan>(LeaseTimeoutFormerKey);
        }

        if (section[nameof(HousekeepingInterval)] is null && configuration[HousekeepingIntervalFormerKey] is not null)
        {
            options.HousekeepingInterval = configuration.GetValue<TimeSpan>(HousekeepingIntervalFormerKey);
        }

        return options;
    }

    /// <summary>The settings <paramref name="configuration"/> gives (its <c>Queue</c> section over the defaults).</summary>
    public static QueueOptions From(IConfiguration configuration) => Bind(configuration, new QueueOptions());
}
