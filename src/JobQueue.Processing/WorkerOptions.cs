using System.ComponentModel.DataAnnotations;

namespace JobQueue.Processing;

/// <summary>Settings of one worker process (configuration section <c>Worker</c>).</summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string SectionName = "Worker";

    /// <summary>The most a queue's weight can be.</summary>
    public const int MaxWeight = 100;

    /// <summary>
    /// The queues this worker reads, each with a weight from 1 to 100 (<c>Worker:Queues:emails=6</c>): while several
    /// have work, a queue of weight 6 is read about 6 times as often as one of weight 1. Empty: the default queue.
    /// </summary>
    public Dictionary<string, int> Queues { get; set; } = [];

    /// <summary>
    /// Queues spread over several partitions (<c>Worker:Partitions:emails=3</c>; see <see cref="QueuePartitions"/>), each
    /// a hash tag of its own, so that one queue can use every master of a Redis Cluster. The worker reads every partition
    /// (a queue's weight is shared by its partitions) and registers the count, which the API reads to spread new jobs. Every
    /// pool reading the queue should say the same; the count may grow but never shrink (jobs may wait in each partition).
    /// </summary>
    public Dictionary<string, int> Partitions { get; set; } = [];

    /// <summary>Read the queues in strict priority instead: the highest weight first, the next only while those above are empty.</summary>
    public bool StrictPriority { get; set; }

    /// <summary>Jobs this process runs at once.</summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 8;

    /// <summary>How long one XREADGROUP waits for new entries before looping (also bounds how fast it notices shutdown).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan BlockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest one attempt may run; then its handler is cancelled and the attempt counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On SIGTERM, how long running jobs may take to finish; the rest stay pending for other workers.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the janitor trims dead letters, the job index and departed consumers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan JanitorInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A consumer idle this long with nothing pending belongs to a worker that is gone, and is removed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan ConsumerIdleLimit { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Name in the consumer group; defaults to host name and process id, unique per process.</summary>
    public string? ConsumerName { get; set; }

    /// <summary>
    /// The pool this worker belongs to, as it registers in its queues' registries for pages to name it by: by default the
    /// service's name, <c>OTEL_SERVICE_NAME</c> (an AppHost sets it to the resource's name), else the app's name.
    /// </summary>
    [Required]
    [MaxLength(256)]
    public string? Pool { get; set; }

    /// <summary>How often a queue held by its concurrency limit is asked again (a running job elsewhere may have ended).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan LimitPollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (queue, weight) in Queues)
        {
            if (!QueueName.IsValid(queue))
            {
                yield return new ValidationResult($"Worker:Queues: '{queue}' is not a valid queue name ({QueueName.Rule}).", [nameof(Queues)]);
            }

            if (weight is < 1 or > MaxWeight)
            {
                yield return new ValidationResult($"Worker:Queues:{queue}: the weight must be from 1 to {MaxWeight}, not {weight}.", [nameof(Queues)]);
            }
        }

        foreach (var (queue, partitions) in Partitions)
        {
            if (!QueueName.IsValid(queue))
            {
                yield return new ValidationResult($"Worker:Partitions: '{queue}' is not a valid queue name ({QueueName.Rule}).", [nameof(Partitions)]);
            }

            if (partitions is < 1 or > QueuePartitions.Max)
            {
                yield return new ValidationResult(
                    $"Worker:Partitions:{queue}: a queue has from 1 to {QueuePartitions.Max} partitions, not {partitions}.", [nameof(Partitions)]);
            }
        }
    }
}
