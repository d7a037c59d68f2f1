using System.Globalization;

namespace JobQueue.Redis;

/// <summary>
/// A stream entry's id, <c>&lt;ms&gt;-&lt;sequence&gt;</c>, ordered as Redis orders them. What a client sends back as one (a dead
/// letters cursor, an event id to resume a feed from) is read by <see cref="TryParse"/> before it reaches Redis: two runs
/// of ASCII digits, each at most <see cref="long.MaxValue"/> (Redis allows 64 unsigned bits, but issues ids from its clock
/// and a counter, far below), so that "(" + id, the exclusive start of a range, is always an id Redis reads.
/// </summary>
internal readonly record struct StreamEntryId(long Ms, long Sequence) : IComparable<StreamEntryId>
{
    /// <summary><c>0-0</c>: below every entry Redis adds, so nothing precedes it (as an exclusive end, Redis refuses it).</summary>
    public static readonly StreamEntryId Min = new(0, 0);

    /// <summary>The id <paramref name="text"/> spells, strictly: no sign, space or other digits than 0-9.</summary>
    public static bool TryParse(string? text, out StreamEntryId id)
    {
        id = default;
        var dash = text?.IndexOf('-') ?? -1;
        if (text is null || dash < 0
            || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        id = new StreamEntryId(ms, sequence);
        return true;
    }

    /// <summary>An id Redis gave (it is well formed).</summary>
    public static StreamEntryId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a stream entry id.");

    public int CompareTo(StreamEntryId other) => (Ms, Sequence).CompareTo((other.Ms, other.Sequence));

    public static bool operator <(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) < 0;

    public static bool operator >(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) > 0;

    public static bool operator <=(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(StreamEntryId left, StreamEntryId right) => left.CompareTo(right) >= 0;

    public override string ToString() => Ms.ToString(CultureInfo.InvariantCulture) + "-" + Sequence.ToString(CultureInfo.InvariantCulture);
}
