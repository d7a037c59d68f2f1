namespace JobQueue;

/// <summary>
/// Which jobs of a queue a listing shows (<see cref="JobStore.ListAsync"/>): each set criterion must hold; null is any.
/// Times are the jobs' creation times, both ends included.
/// </summary>
public sealed record JobFilter(
    string? Status = null,
    string? Type = null,
    string? Owner = null,
    string? Group = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedUntil = null)
{
    public static readonly JobFilter None = new();
}
