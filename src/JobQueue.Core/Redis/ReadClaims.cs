namespace JobQueue.Redis;

/// <summary>What one read-and-claim call did: its claims, and entries it read but left for the caller to check.</summary>
public sealed record ReadClaims(IReadOnlyList<ClaimResult> Claims, IReadOnlyList<DeliveredEntry> Unchecked)
{
    public int Read => Claims.Count + Unchecked.Count;
}
