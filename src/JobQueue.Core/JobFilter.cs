namespace JobQueue;

/// <summary>
/// Which jobs of a queue a listing shows (<see cref="JobStore.ListAsync"/>): each set criterion must hold; null is any.
/// Times are the jobs' creation times, both ends included. With an owner, the jobs come from that owner's index, most
/// recently changed first (see <see cref="Redis.QueueKeys.OwnerIndex"/>): only jobs that have an owner can be found by one.
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
