using System.Collections.Immutable;
using System.Globalization;

namespace JobQueue.Hosting.Queues;

/// <summary>One reading of a queue: its figures (<see cref="QueueStats"/>), how long its oldest waiting job has waited, when.</summary>
internal sealed record QueueFigures(QueueStats Stats, TimeSpan OldestWait, DateTimeOffset At)
{
    private const string PropertyPrefix = "jobqueue.";

    /// <summary>Reads them with the product's <see cref="QueueInspector"/>: a few bounded reads per partition.</summary>
    public static async Task<QueueFigures> ReadAsync(QueueOperations operations, string queueName)
    {
        var stats = await operations.Inspector.StatsAsync(queueName);
        var oldestWait = stats.Waiting > 0 ? await operations.Inspector.OldestWaitAsync(queueName) : TimeSpan.Zero;
        return new QueueFigures(stats, oldestWait, DateTimeOffset.UtcNow);
    }

    public long Total(string status) => Stats.Totals.GetValueOrDefault(status);

    /// <summary>The figures as the resource's properties in Aspire's dashboard, in this order.</summary>
    public ImmutableArray<ResourcePropertySnapshot> ToProperties(string redisName, QueueRates rates) =>
    [
        // The Source column of the dashboard's resource list: the figures at a glance (the rest under "Show all").
        new(CustomResourceKnownProperties.Source,
            $"{redisName}: {Stats.Name} · {Stats.Waiting} waiting · {Stats.Pending} running · {Stats.DeadLetters} dead letters{(Stats.Paused ? " · paused" : "")}"),
        Property("jobqueue.queue", "Queue", Stats.Name),
        Property("jobqueue.paused", "Paused", Stats.Paused ? "yes" : "no"),
        Property("jobqueue.waiting", "Waiting", Stats.Waiting),
        Property("jobqueue.running", "Running", Stats.Pending),
        Property("jobqueue.scheduled", "Scheduled", Stats.Scheduled),
        Property("jobqueue.dead_letters", "Dead letters", Stats.DeadLetters),
        Property("jobqueue.consumers", "Consumers", Stats.Consumers.Count),
        Property("jobqueue.oldest_wait", "Oldest wait", Seconds(OldestWait)),
        Property("jobqueue.done_per_minute", "Done per minute", rates.PerMinute("done")),
        Property("jobqueue.failed_per_minute", "Failed per minute", rates.PerMinute("failed")),
    ];

    public static bool IsOwnProperty(ResourcePropertySnapshot property) =>
        property.Name.StartsWith(PropertyPrefix, StringComparison.Ordinal) || property.Name == CustomResourceKnownProperties.Source;

    private static string Seconds(TimeSpan wait) => wait.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static ResourcePropertySnapshot Property(string name, string displayName, object value) =>
        new(name, value) { DisplayName = displayName };
}
