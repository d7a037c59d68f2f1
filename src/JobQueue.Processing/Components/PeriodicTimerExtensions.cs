namespace JobQueue.Processing.Components;

internal static class PeriodicTimerExtensions
{
    /// <summary>Waits for the next tick; false once the service is stopping (instead of throwing).</summary>
    public static async Task<bool> TickAsync(this PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
