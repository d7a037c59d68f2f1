namespace JobQueue.Processing;

/// <summary>The job types this worker has handlers for (the handlers themselves are keyed services).</summary>
public sealed class JobHandlerRegistry
{
    private readonly SortedSet<string> _types = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Types => _types;

    internal bool Add(string type) => _types.Add(type);
}
