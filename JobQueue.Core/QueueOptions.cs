using System.ComponentModel.DataAnnotations;

namespace JobQueue;

/// <summary>Settings every process of one queue must agree on (configuration section <c>Queue</c>).</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Queue";

    /// <summary>Name of the queue; its Redis keys are <c>{Name}:...</c>, one hash slot.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string Name { get; set; } = "jobs";

    /// <summary>Most times a job's handler may start (1 run + retries). The specification's default is 2.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 2;

    /// <summary>How long a claimed entry may go without its worker renewing it before other workers reclaim it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan ProcessingTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
