using JobQueue;
using JobQueue.Processing;
using StackExchange.Redis;

namespace JobQueue.Tests.Worker;

/// <summary>
/// Sleep for <see cref="Ms"/> milliseconds, counting the run in the ledger named <see cref="Ledger"/>; the first
/// <see cref="FailRuns"/> runs then fail.
/// </summary>
[JobType("ledger-sleep")]
public sealed record LedgerSleep(int Ms, string Ledger, int FailRuns = 0);

/// <summary>
/// Counts every run in the Redis hash <c>ledger:{name}</c> (field = job id) before it sleeps: a side effect kept
/// apart from the queue's own records, so a test can count how often handlers really ran. Returns the run's attempt.
/// </summary>
public sealed class LedgerSleepHandler(IConnectionMultiplexer redis) : IJobHandler<LedgerSleep, int>
{
    public async Task<int> HandleAsync(LedgerSleep payload, JobContext job, CancellationToken cancellationToken)
    {
        await redis.GetDatabase().HashIncrementAsync($"ledger:{payload.Ledger}", job.JobId);
        await Task.Delay(payload.Ms, cancellationToken);
        return job.Run <= payload.FailRuns ? throw new InvalidOperationException($"run {job.Run} fails on purpose") : job.Attempt;
    }
}
