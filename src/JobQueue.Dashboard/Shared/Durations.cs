namespace JobQueue.Dashboard.Shared;

/// <summary>How the dashboard writes a duration: to the microsecond for a script, to the minute for a worker last seen a day ago.</summary>
internal static class Durations
{
    public static string Format(TimeSpan duration) => duration.TotalMilliseconds switch
    {
        < 1 => $"{duration.TotalMicroseconds:F0} µs",
        < 1000 => $"{duration.TotalMilliseconds:F1} ms",
        < 60_000 => $"{duration.TotalSeconds:F2} s",
        < 3_600_000 => $"{duration.Minutes} min {duration.Seconds} s",
        < 86_400_000 => $"{duration.Hours} h {duration.Minutes} min",
        _ => $"{(int)duration.TotalDays} d {duration.Hours} h",
    };
}
