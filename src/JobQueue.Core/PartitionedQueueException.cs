namespace JobQueue;

/// <summary>
/// What a partitioned queue (<see cref="QueuePartitions"/>) cannot do: take a batch whose jobs belong to different
/// partitions, or a limit smaller than its partitions (each enforces a share). Nothing was written.
/// </summary>
public sealed class PartitionedQueueException(string title, string message) : Exception(message)
{
    /// <summary>A short summary, for a problem's title.</summary>
    public string Title => title;
}
