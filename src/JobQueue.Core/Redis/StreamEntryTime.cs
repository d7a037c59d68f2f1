namespace JobQueue.Redis;

/// <summary>When Redis added a stream entry: its id is <c>&lt;Unix ms&gt;-&lt;sequence&gt;</c>.</summary>
internal static class StreamEntryTime
{
    public static DateTimeOffset Of(string entryId) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(entryId.AsSpan(0, entryId.IndexOf('-'))));
}
