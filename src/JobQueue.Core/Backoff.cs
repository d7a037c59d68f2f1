using System.Globalization;

namespace JobQueue;

/// <summary>
/// How long a failed job waits before its next attempt: always <see cref="Delay"/> (fixed), or doubling from
/// it after each failure up to <see cref="MaxDelay"/> (exponential) with "equal jitter": a random wait in the
/// upper half, so jobs that failed together do not all come back at once.
/// </summary>
public sealed record Backoff(BackoffKind Kind, TimeSpan Delay, TimeSpan? MaxDelay = null)
{
    public static readonly TimeSpan Longest = TimeSpan.FromDays(7);

    public static Backoff Fixed(TimeSpan delay) => new(BackoffKind.Fixed, delay);

    public static Backoff Exponential(TimeSpan delay, TimeSpan? maxDelay = null) => new(BackoffKind.Exponential, delay, maxDelay);

    /// <summary>The wait after attempt <paramref name="attempt"/> (1 for the first) failed.</summary>
    public TimeSpan After(int attempt, Random random)
    {
        if (Kind == BackoffKind.Fixed)
        {
            return Delay;
        }

        var cap = MaxDelay ?? Longest;
        var full = TimeSpan.FromTicks((long)Math.Min(cap.Ticks, Delay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 40))));
        return full / 2 + full / 2 * random.NextDouble();
    }

    /// <summary>Why this back-off makes no sense, or null.</summary>
    public string? Problem() =>
        Delay <= TimeSpan.Zero || Delay > Longest ? $"backoff.delay_ms is from 1 to {Longest.TotalMilliseconds}."
        : MaxDelay is { } max && (max < Delay || max > Longest) ? $"backoff.max_delay_ms is from delay_ms to {Longest.TotalMilliseconds}."
        : MaxDelay is not null && Kind == BackoffKind.Fixed ? "backoff.max_delay_ms applies to exponential back-off only."
        : null;

    /// <summary>As stored in a job's hash: <c>fixed:&lt;ms&gt;</c> or <c>exponential:&lt;ms&gt;[:&lt;max ms&gt;]</c>.</summary>
    public string ToField() => Kind == BackoffKind.Fixed
        ? $"fixed:{(long)Delay.TotalMilliseconds}"
        : $"exponential:{(long)Delay.TotalMilliseconds}" + (MaxDelay is { } max ? $":{(long)max.TotalMilliseconds}" : "");

    public static Backoff? FromField(string? field) => field?.Split(':') switch
    {
        ["fixed", var ms] => Fixed(Ms(ms)),
        ["exponential", var ms] => Exponential(Ms(ms)),
        ["exponential", var ms, var max] => Exponential(Ms(ms), Ms(max)),
        _ => null,
    };

    private static TimeSpan Ms(string text) => TimeSpan.FromMilliseconds(long.Parse(text, CultureInfo.InvariantCulture));
}

public enum BackoffKind
{
    Fixed,
    Exponential,
}
