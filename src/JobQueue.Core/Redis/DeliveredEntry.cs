namespace JobQueue.Redis;

/// <summary>
/// A stream entry delivered to this consumer (taken by a claim script, or taken over by XAUTOCLAIM), with the job id it
/// names as written ("" if none; the claim scripts dead-letter an entry whose id is not valid).
/// </summary>
internal sealed record DeliveredEntry(string EntryId, string JobId);
