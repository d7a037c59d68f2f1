namespace JobQueue.Redis;

/// <summary>What the completion script recorded.</summary>
internal enum CompletionResult
{
    Done,
    Retried,
    Failed,
    /// <summary>The job was canceled while this attempt ran; the attempt let go of it.</summary>
    Canceled,
    /// <summary>Refused: the job was reclaimed by another worker while this attempt ran.</summary>
    Stale,
}
