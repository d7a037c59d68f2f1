namespace JobQueue.Benchmarks;

/// <summary>
/// Loops that wait a millisecond or two between rounds, on a thread of their own. .NET's timers (<c>Task.Delay</c>,
/// <c>PeriodicTimer</c>) tick every 4 ms on the build machine, so <c>await Task.Delay(1)</c> waits 4 ms: a producer paced
/// by it submitted bursts of four jobs every 4 ms while BullMQ's (<c>setTimeout(1)</c>) submitted one or two every
/// 1.3-1.8 ms. <c>Thread.Sleep(1)</c> waits 1.1 ms here.
/// </summary>
public static class ShortSleep
{
    /// <summary>Runs <paramref name="round"/>, sleeping <paramref name="milliseconds"/> after each, until it returns false.</summary>
    public static Task LoopAsync(int milliseconds, Func<bool> round) => Task.Factory.StartNew(() =>
    {
        while (round())
        {
            Thread.Sleep(milliseconds);
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
