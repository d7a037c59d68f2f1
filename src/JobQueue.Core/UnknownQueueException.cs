namespace JobQueue;

/// <summary>A queue no worker pool reads (a job sent there would never run).</summary>
public sealed class UnknownQueueException(string queue, IReadOnlyCollection<string> known)
    : Exception($"No worker pool reads queue '{queue}'. Queues: {string.Join(", ", known)}.")
{
    public string Queue => queue;
}
