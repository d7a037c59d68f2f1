namespace JobQueue.Redis;

/// <summary>
/// A stream entry delivered to this consumer, fresh (XREADGROUP) or <see cref="Reclaimed"/> (XAUTOCLAIM);
/// <see cref="JobId"/> is null if the entry is malformed, and <see cref="Fields"/> then says what it held.
/// </summary>
public sealed record DeliveredEntry(string EntryId, string? JobId, string Fields, bool Reclaimed = false);
