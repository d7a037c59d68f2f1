namespace JobQueue.Processing.Components;

/// <summary>Exponential back-off with jitter, from 100 ms up to 5 s, for loops that wait out a Redis outage.</summary>
internal sealed class RetryBackoff
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);
    private TimeSpan _next = Initial;

    public void Reset() => _next = Initial;

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var delay = _next * (0.5 + Random.Shared.NextDouble() / 2);
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Max.Ticks));
        await Task.Delay(delay, cancellationToken);
    }
}
