namespace JobQueue.Redis;

/// <summary>
/// A stream entry delivered to this consumer, fresh (XREADGROUP) or <see cref="Reclaimed"/> (XAUTOCLAIM), with
/// the job id it names as written ("" if none; the claim scripts dead-letter an entry whose id is not valid).
/// </summary>
public sealed record DeliveredEntry(string EntryId, string JobId, bool Reclaimed = false);
