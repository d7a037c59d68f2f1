using System.Globalization;

namespace JobQueue;

/// <summary>
/// The idempotency keys jobs are written under, one namespace per source, so that no source can reach another's key:
/// <list type="bullet">
/// <item>a caller's own key (<c>POST /jobs</c>'s <c>Idempotency-Key</c>, <see cref="NewJob.IdempotencyKey"/> from .NET) is
/// used as given, as it always was, so a key stored by an earlier version still replays;</item>
/// <item>the jobs of a workflow submitted with key <c>k</c> go under <c>workflow k 0</c>, <c>workflow k 1</c>, …: a space,
/// which no <c>Idempotency-Key</c> header may hold (<see cref="IsCallersKey"/>);</item>
/// <item>a schedule's occurrence goes under <c>schedule:&lt;name&gt;:&lt;due ms&gt;</c>, as it always did, so schedulers of
/// two versions firing side by side during an upgrade still make one job per occurrence; a caller's key may not start
/// with <c>schedule:</c>.</item>
/// </list>
/// </summary>
public static class IdempotencyKeys
{
    /// <summary>The most characters a caller's key has.</summary>
    public const int MaxLength = 255;

    private const string SchedulePrefix = "schedule:";

    /// <summary>What a caller's key is, for messages.</summary>
    public const string Rule = $"1-255 printable ASCII characters without spaces, not starting with '{SchedulePrefix}' (the keys of schedule occurrences)";

    /// <summary>Whether a caller may send this key: printable ASCII without spaces, outside the namespace of schedule occurrences.</summary>
    public static bool IsCallersKey(string key) =>
        key.Length is > 0 and <= MaxLength && key.All(c => c is > ' ' and <= '~') && !key.StartsWith(SchedulePrefix, StringComparison.Ordinal);

    /// <summary>The key of job <paramref name="index"/> of a workflow submitted with <paramref name="key"/>.</summary>
    public static string WorkflowJob(string key, int index) => $"workflow {key} {index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The key of a schedule's occurrence: two schedulers firing it make one job.</summary>
    public static string ScheduleOccurrence(string schedule, DateTimeOffset due) =>
        SchedulePrefix + schedule + ":" + due.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
