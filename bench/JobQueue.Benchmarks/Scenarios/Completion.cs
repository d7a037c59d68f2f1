using JobQueue.Benchmarks.Systems;

namespace JobQueue.Benchmarks.Scenarios;

public static class Completion
{
    /// <summary>Polls every <paramref name="poll"/> until at least <paramref name="jobs"/> are recorded done; returns how many are.</summary>
    public static async Task<long> WaitForAsync(IQueueSystem system, WorkerGroup group, long jobs, TimeSpan limit, TimeSpan poll)
    {
        var deadline = DateTime.UtcNow + limit;
        long done;
        while ((done = await system.CompletedAsync()) < jobs)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{system.Name}: {done} of {jobs} jobs done after {limit}. Workers:\n{group.Console()}");
            }

            await Task.Delay(poll);
        }

        return done;
    }
}
