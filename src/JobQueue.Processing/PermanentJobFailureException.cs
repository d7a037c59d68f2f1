namespace JobQueue.Processing;

/// <summary>A failure no retry can fix (bad payload, unknown type): the job fails at once.</summary>
public sealed class PermanentJobFailureException(string message) : Exception(message);
