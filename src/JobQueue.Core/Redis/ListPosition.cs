using System.Globalization;

namespace JobQueue.Redis;

/// <summary>
/// A job's place in a listing (list.lua's cursor, "&lt;score&gt;:&lt;job id&gt;"): listings run from the highest score
/// down, and within one score from the highest id down, so a greater position comes first.
/// </summary>
internal readonly record struct ListPosition(long Score, string JobId) : IComparable<ListPosition>
{
    /// <summary>Below every job: the end of a listing.</summary>
    public static readonly ListPosition End = new(long.MinValue, "");

    /// <summary>A position list.lua gave: a score Redis wrote, and the id of a job in the index, whatever wrote it.</summary>
    public static ListPosition Parse(string cursor)
    {
        var colon = cursor.IndexOf(':');
        return new(long.Parse(cursor.AsSpan(0, colon), CultureInfo.InvariantCulture), cursor[(colon + 1)..]);
    }

    /// <summary>
    /// The position a client sent back as a cursor, strictly: a score of ASCII digits that fits a long, then a job id as the
    /// store writes it (a lower-case UUID). Nothing else reaches the script, which would read the score as a number.
    /// </summary>
    public static bool TryParseCursor(string? cursor, out ListPosition position)
    {
        position = default;
        var colon = cursor?.IndexOf(':') ?? -1;
        if (cursor is null || colon < 0)
        {
            return false;
        }

        var jobId = cursor[(colon + 1)..];
        if (!long.TryParse(cursor.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            || !Guid.TryParseExact(jobId, "D", out var id) || id.ToString("D") != jobId)
        {
            return false;
        }

        position = new ListPosition(score, jobId);
        return true;
    }

    public int CompareTo(ListPosition other) =>
        Score != other.Score ? Score.CompareTo(other.Score) : string.CompareOrdinal(JobId, other.JobId);

    public static bool operator <(ListPosition left, ListPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(ListPosition left, ListPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(ListPosition left, ListPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ListPosition left, ListPosition right) => left.CompareTo(right) >= 0;

    public override string ToString() => Score.ToString(CultureInfo.InvariantCulture) + ":" + JobId;
}
