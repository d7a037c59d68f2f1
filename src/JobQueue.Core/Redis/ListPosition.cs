using System.Globalization;

namespace JobQueue.Redis;

/// <summary>
/// A job's place in a listing (list.lua's cursor, "&lt;score&gt;:&lt;job id&gt;"): listings run from the highest score
/// down, and within one score from the highest id down, so a greater position comes first.
/// </summary>
public readonly record struct ListPosition(long Score, string JobId) : IComparable<ListPosition>
{
    /// <summary>Below every job: the end of a listing.</summary>
    public static readonly ListPosition End = new(long.MinValue, "");

    public static ListPosition Parse(string cursor)
    {
        var colon = cursor.IndexOf(':');
        return new(long.Parse(cursor.AsSpan(0, colon), CultureInfo.InvariantCulture), cursor[(colon + 1)..]);
    }

    public int CompareTo(ListPosition other) =>
        Score != other.Score ? Score.CompareTo(other.Score) : string.CompareOrdinal(JobId, other.JobId);

    public static bool operator <(ListPosition left, ListPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(ListPosition left, ListPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(ListPosition left, ListPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ListPosition left, ListPosition right) => left.CompareTo(right) >= 0;

    public override string ToString() => Score.ToString(CultureInfo.InvariantCulture) + ":" + JobId;
}
