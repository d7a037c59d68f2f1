using System.Globalization;

namespace JobQueue;

/// <summary>
/// How a job is retried and how long one attempt may run. Every part is optional: what a job leaves unset comes
/// from its handler's registration, then from the settings (<c>Queue:MaxAttempts</c>, no back-off,
/// <c>Worker:JobTimeout</c>), so a job with no policy keeps the default rules: 2 runs in all, retried at once.
/// </summary>
public sealed record JobPolicy(int? MaxAttempts = null, Backoff? Backoff = null, TimeSpan? Timeout = null)
{
    public const int MaxAttemptsLimit = 25;
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>This policy, with what it leaves unset taken from <paramref name="fallback"/>.</summary>
    public JobPolicy Or(JobPolicy? fallback) => fallback is null
        ? this
        : new JobPolicy(MaxAttempts ?? fallback.MaxAttempts, Backoff ?? fallback.Backoff, Timeout ?? fallback.Timeout);

    /// <summary>Why this policy is out of bounds, or null if it is not.</summary>
    public string? Problem() =>
        MaxAttempts is < 1 or > MaxAttemptsLimit ? $"max_attempts is from 1 to {MaxAttemptsLimit}."
        : Timeout is { } t && (t < MinTimeout || t > MaxTimeout) ? $"timeout_ms is from {MinTimeout.TotalMilliseconds} to {MaxTimeout.TotalMilliseconds}."
        : Backoff?.Problem();

    /// <summary>Throws <see cref="ArgumentException"/> if the policy is out of bounds.</summary>
    public JobPolicy Validated() => Problem() is { } problem ? throw new ArgumentException(problem) : this;

    /// <summary>The hash fields a job's own policy is stored in (empty for an unset part): max_attempts, backoff, timeout_ms.</summary>
    public (string MaxAttempts, string Backoff, string TimeoutMs) ToFields() => (
        MaxAttempts?.ToString(CultureInfo.InvariantCulture) ?? "",
        Backoff?.ToField() ?? "",
        Timeout is { } t ? ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>A job's own policy from its hash fields; null when it has none.</summary>
    public static JobPolicy? FromFields(string? maxAttempts, string? backoff, string? timeoutMs)
    {
        if (string.IsNullOrEmpty(maxAttempts) && string.IsNullOrEmpty(backoff) && string.IsNullOrEmpty(timeoutMs))
        {
            return null; // most jobs: no policy of their own, nothing to allocate per claim
        }

        var policy = new JobPolicy(
            int.TryParse(maxAttempts, CultureInfo.InvariantCulture, out var max) ? max : null,
            Backoff.FromField(backoff),
            long.TryParse(timeoutMs, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : null);
        return policy == new JobPolicy() ? null : policy;
    }
}
