namespace JobQueue;

/// <summary>A job type no worker has registered a handler for.</summary>
public sealed class UnknownJobTypeException(string type, IReadOnlyCollection<string> known)
    : Exception($"No worker has a handler for job type '{type}'. Known types: {string.Join(", ", known)}.");
