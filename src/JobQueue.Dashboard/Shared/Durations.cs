namespace JobQueue.Dashboard.Shared;

internal static class Durations
{
    public static string Format(TimeSpan duration) => duration.TotalMilliseconds switch
    {
        < 1 => $"{duration.TotalMicroseconds:F0} µs",
        < 1000 => $"{duration.TotalMilliseconds:F1} ms",
        _ => $"{duration.TotalSeconds:F2} s",
    };
}
