namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// When a queue's health turns Degraded: its oldest waiting job has waited longer than <see cref="OldestWait"/>, or it
/// holds more than <see cref="DeadLetters"/> dead letters (null: never for dead letters).
/// </summary>
public sealed record QueueAlerts
{
    /// <summary>The longest a job may wait to start before the queue is Degraded; 5 minutes unless set.</summary>
    public TimeSpan OldestWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The most dead letters the queue may hold before it is Degraded; null: dead letters alone never degrade it.</summary>
    public long? DeadLetters { get; init; }
}
