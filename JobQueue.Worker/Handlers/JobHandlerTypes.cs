namespace JobQueue.Worker.Handlers;

/// <summary>The job types this worker has handlers for (for messages; handlers themselves are keyed services).</summary>
public sealed class JobHandlerTypes
{
    private readonly SortedSet<string> _names = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _names;

    internal void Add(string type) => _names.Add(type);
}
