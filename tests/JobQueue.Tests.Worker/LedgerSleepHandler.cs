using JobQueue;
using JobQueue.Processing;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace JobQueue.Tests.Worker;

/// <summary>
/// Sleep for <see cref="Ms"/> milliseconds, counting the run in the ledger named <see cref="Ledger"/>; the first
/// <see cref="FailRuns"/> runs then fail.
/// </summary>
[JobType("ledger-sleep")]
public sealed record LedgerSleep(int Ms, string Ledger, int FailRuns = 0);

/// <summary>
/// Keeps a ledger of what handlers really did, apart from the queue's own records, in Redis keys a test reads:
/// <c>ledger:{&lt;name&gt;}</c> counts every run (field = job id); <c>ledger:{&lt;name&gt;}:pool</c> names the worker pool (its
/// resource name) that ran each job; <c>ledger:{&lt;name&gt;}:starts</c> holds each run's start time (ms); and
/// <c>ledger:{&lt;name&gt;}:running</c> / <c>:most</c> count the runs under way across every worker, and the most ever at
/// once. Returns the run's attempt.
/// </summary>
public sealed class LedgerSleepHandler(IConnectionMultiplexer redis, IConfiguration configuration) : IJobHandler<LedgerSleep, int>
{
    private const string Start = """
        redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        local t = redis.call('TIME')
        redis.call('ZADD', KEYS[3], t[1] * 1000 + math.floor(t[2] / 1000), ARGV[1] .. ':' .. redis.call('HGET', KEYS[1], ARGV[1]))
        local running = redis.call('INCR', KEYS[4])
        if running > tonumber(redis.call('GET', KEYS[5]) or '0') then
          redis.call('SET', KEYS[5], running)
        end
        """;

    public async Task<int> HandleAsync(LedgerSleep payload, JobContext job, CancellationToken cancellationToken)
    {
        // The ledger's name is its keys' hash tag: one slot, so the script below runs on a Redis Cluster too.
        var ledger = $"ledger:{{{payload.Ledger}}}";
        var db = redis.GetDatabase();
        await db.ScriptEvaluateAsync(Start,
            [ledger, ledger + ":pool", ledger + ":starts", ledger + ":running", ledger + ":most"],
            [job.JobId, configuration["OTEL_SERVICE_NAME"] ?? "unnamed"]);
        try
        {
            await Task.Delay(payload.Ms, cancellationToken);
        }
        finally
        {
            await db.StringDecrementAsync(ledger + ":running");
        }

        return job.Run <= payload.FailRuns ? throw new InvalidOperationException($"run {job.Run} fails on purpose") : job.Attempt;
    }
}
