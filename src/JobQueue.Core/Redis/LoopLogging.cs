using Microsoft.Extensions.Logging;

namespace JobQueue.Redis;

/// <summary>How the background loops of a worker and of the housekeeping log a round that failed.</summary>
internal static class LoopLogging
{
    /// <summary>
    /// A background loop failed one round and will try again: a Redis failure is expected now and then (a
    /// warning), anything else is a bug to look at (an error), but neither may stop the worker.
    /// </summary>
    public static void LogLoopFailure(this ILogger logger, Exception e, string what)
    {
        if (e.IsRedisFailure())
        {
            logger.LogWarning("{What}: {Reason}", what, e.Message);
        }
        else
        {
            logger.LogError(e, "{What}", what);
        }
    }
}
