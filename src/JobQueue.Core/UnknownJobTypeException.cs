namespace JobQueue;

/// <summary>A job type no worker pool of the job's queue has registered a handler for.</summary>
public sealed class UnknownJobTypeException(string queue, string type, IReadOnlyCollection<string> known)
    : Exception($"No worker pool of queue '{queue}' has a handler for job type '{type}'. Its pools handle: {string.Join(", ", known)}.");
