namespace JobQueue.Processing;

/// <summary>
/// The job types this worker has handlers for, and the policy each was registered with (the handlers themselves
/// are keyed services).
/// </summary>
internal sealed class JobHandlerRegistry
{
    private readonly SortedDictionary<string, JobPolicy?> _types = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Types => _types.Keys;

    /// <summary>The policy the handler of <paramref name="type"/> was registered with, if any.</summary>
    public JobPolicy? PolicyOf(string type) => _types.GetValueOrDefault(type);

    /// <summary>The types registered with max attempts of their own, for the claim scripts' attempt guard.</summary>
    public IReadOnlyDictionary<string, int> MaxAttemptsByType =>
        _types.Where(t => t.Value?.MaxAttempts is not null).ToDictionary(t => t.Key, t => t.Value!.MaxAttempts!.Value);

    internal bool Add(string type, JobPolicy? policy) => _types.TryAdd(type, policy);
}
