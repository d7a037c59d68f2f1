using Cronos;

namespace JobQueue;

/// <summary>
/// When a schedule fires: its cron expression (five fields, or six with seconds first, or a macro such as
/// <c>@daily</c>) read in its time zone by Cronos, which handles daylight saving time: a time a spring-forward skips
/// fires once, when the gap ends; a time a fall-back repeats fires once, at its first instance (an interval such as
/// every 30 minutes fires in both, being different instants). And, in <see cref="Plan"/>, which occurrences a
/// scheduler that comes late still runs.
/// </summary>
public sealed class CronTimetable
{
    /// <summary>Windows a search for the latest occurrence before a time looks back through, each wider than the last.</summary>
    private static readonly TimeSpan[] LookBack =
        [TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(32), TimeSpan.FromDays(367), TimeSpan.FromDays(367 * 8)];

    /// <summary>
    /// The longest expression read: six fields, each a list of every one of its values ("0,1,...,59" is 169
    /// characters), stay under it. Cronos reads a list recursively, so an unbounded one overflows the stack, which
    /// .NET cannot catch: the bound is checked before Cronos sees the text, by the API and by every worker alike.
    /// </summary>
    public const int MaxLength = 1000;

    /// <summary>Values one field may list: a field has at most 60 distinct values, so a longer list only repeats them.</summary>
    public const int MaxListItems = 60;

    private readonly CronExpression _cron;
    private readonly TimeZoneInfo _zone;

    private CronTimetable(CronExpression cron, TimeZoneInfo zone) => (_cron, _zone) = (cron, zone);

    /// <summary>Reads a cron expression in an IANA time zone (<c>Europe/Paris</c>, <c>UTC</c>); <see cref="InvalidScheduleException"/> saying what is wrong otherwise.</summary>
    public static CronTimetable Parse(string cron, string timeZone)
    {
        if (cron.Length > MaxLength)
        {
            throw new InvalidScheduleException($"A cron expression is at most {MaxLength} characters; this one has {cron.Length}.");
        }

        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.FirstOrDefault(f => f.Count(c => c == ',') >= MaxListItems) is { } longList)
        {
            throw new InvalidScheduleException(
                $"A cron field lists at most {MaxListItems} values; one lists {longList.Count(c => c == ',') + 1}.");
        }

        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(cron.Trim(), fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new InvalidScheduleException($"'{cron}' is not a cron expression (minute hour day month weekday, optionally with seconds first): {e.Message}");
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        // A name that is a directory of the zone database ("Europe") is a SecurityException; one that cannot be read an I/O one.
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException
                                      or System.Security.SecurityException or UnauthorizedAccessException or IOException)
        {
            throw new InvalidScheduleException($"'{timeZone}' is not a known time zone: use an IANA name such as \"Europe/Paris\" or \"UTC\".");
        }

        return new CronTimetable(expression, zone);
    }

    /// <summary>The first occurrence after <paramref name="instant"/>, or null if there is none (a 30th of February).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant) =>
        _cron.GetNextOccurrence(instant.UtcDateTime, _zone, inclusive: false) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="instant"/>.</summary>
    public IReadOnlyList<DateTimeOffset> NextAfter(DateTimeOffset instant, int count)
    {
        var next = new List<DateTimeOffset>(count);
        for (var at = NextAfter(instant); at is { } t && next.Count < count; at = NextAfter(t))
        {
            next.Add(t);
        }

        return next;
    }

    /// <summary>
    /// The occurrences a scheduler runs at <paramref name="now"/> for a schedule whose next unhandled occurrence is
    /// <paramref name="due"/>: each one less than <paramref name="grace"/> late (a scheduler a few seconds behind loses
    /// nothing); of those further back (missed), one, the latest, with <see cref="MisfirePolicy.CatchUp"/>, none with
    /// <see cref="MisfirePolicy.Skip"/>. And the schedule's next occurrence after that. Work is bounded by the grace,
    /// not by how long nothing ran: after a year down, an every-second schedule still costs a handful of steps.
    /// </summary>
    public FirePlan Plan(DateTimeOffset due, DateTimeOffset now, TimeSpan grace, MisfirePolicy misfire)
    {
        if (due > now)
        {
            return new FirePlan([], due, Missed: false);
        }

        var cutoff = now - grace;
        var run = new List<DateTimeOffset>();
        var missed = due < cutoff;
        if (missed && misfire == MisfirePolicy.CatchUp && LatestBefore(cutoff, due) is { } latest)
        {
            run.Add(latest);
        }

        var from = due > cutoff ? due : cutoff;
        run.AddRange(Between(from, now, toInclusive: true));
        return new FirePlan(run, NextAfter(now), missed);
    }

    /// <summary>
    /// The occurrences from <paramref name="from"/> (included) to <paramref name="to"/>. Searched from just before
    /// <paramref name="from"/>: an occurrence a spring-forward moved to the end of its gap (02:30 run at 03:00) is found
    /// only by a search that starts before the gap.
    /// </summary>
    private IEnumerable<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to, bool toInclusive) =>
        _cron.GetOccurrences(from.UtcDateTime.AddTicks(-1), to.UtcDateTime, _zone, fromInclusive: false, toInclusive)
            .Select(t => new DateTimeOffset(t, TimeSpan.Zero));

    /// <summary>The latest occurrence in [<paramref name="notBefore"/>, <paramref name="before"/>), looking back through ever wider windows.</summary>
    private DateTimeOffset? LatestBefore(DateTimeOffset before, DateTimeOffset notBefore)
    {
        foreach (var window in LookBack.Append(before - notBefore))
        {
            var from = before - window < notBefore ? notBefore : before - window;
            if (Between(from, before, toInclusive: false).LastOrDefault() is var found && found != default)
            {
                return found;
            }

            if (from == notBefore)
            {
                return null;
            }
        }

        return null;
    }
}

/// <summary>What a scheduler runs now (<see cref="Run"/>, oldest first), the next occurrence to wait for (null: none ever), and whether some were missed.</summary>
public sealed record FirePlan(IReadOnlyList<DateTimeOffset> Run, DateTimeOffset? Next, bool Missed);
