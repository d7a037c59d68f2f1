using JobQueue.Redis;

namespace JobQueue.Processing.Components;

/// <summary>An attempt this process is running, the consumer (queue) that claimed it, when its claim ran, and the means to make its handler stop.</summary>
internal sealed class InFlightJob(ClaimedJob job, JobConsumer consumer, DateTimeOffset claimStarted, DateTimeOffset claimEnded)
{
    // Never disposed: it has no timer, and a cancel message may arrive just as the job ends.
    private readonly CancellationTokenSource _abandon = new();

    public ClaimedJob Job => job;

    /// <summary>The seat in the job's queue that holds the attempt: its renewals, progress and completion go through it.</summary>
    public JobConsumer Consumer => consumer;

    public DateTimeOffset ClaimStarted => claimStarted;

    public DateTimeOffset ClaimEnded => claimEnded;

    /// <summary>Fires when the worker lets go of the job (lease lost, shutting down).</summary>
    public CancellationToken Abandoned => _abandon.Token;

    /// <summary>Why the worker let go of the job; null while it still holds it.</summary>
    public string? AbandonReason { get; private set; }

    /// <summary>The job was canceled: the attempt still records its end, which lets go of the stream entry.</summary>
    public bool Canceled { get; private set; }

    public void Abandon(string reason)
    {
        AbandonReason ??= reason;
        _abandon.Cancel();
    }

    public void Cancel()
    {
        Canceled = true;
        Abandon("the job was canceled");
    }
}
