using System.Globalization;

namespace JobQueue.Dashboard.Shared;

/// <summary>How the dashboard writes a moment: UTC to the millisecond, as the filters take it.</summary>
internal static class Times
{
    public static string Format(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) : "";
}
