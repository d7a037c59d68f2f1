using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>
/// Single-job enqueues made at the same time share script calls, against a real redis-server: fewer calls than jobs,
/// each job written once with its own result, and a refused job refused alone.
/// </summary>
public sealed class EnqueueBatchingTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _queue = "batching-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Five_hundred_concurrent_single_enqueues_take_far_fewer_script_calls_and_each_job_is_written_once()
    {
        var store = await StoreAsync();
        var callsBefore = await ScriptCallsAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => store.EnqueueAsync(new NewJob("known", $$"""{"i": {{i}}}"""))));

        var calls = await ScriptCallsAsync() - callsBefore;
        TestReport.Add($"500 concurrent EnqueueAsync calls: {calls} script calls");
        Assert.InRange(calls, 5, 250); // one per job without batching; at most 100 jobs share a call
        Assert.Equal(500, results.Select(r => r.Job.Id).Distinct().Count());
        Assert.Equal(500, await Db.StreamLengthAsync(new QueueKeys(_queue).Stream));
        Assert.All(results, r => Assert.Equal((JobStatus.Queued, false), (r.Job.Status, r.Replayed)));
        var payloads = await Task.WhenAll(results.Select(r => Db.HashGetAsync(new QueueKeys(_queue).Job(r.Job.Id), "payload")));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $$"""{"i": {{i}}}"""), payloads.Select(p => p.ToString()));
    }

    [Fact]
    public async Task A_job_of_an_unknown_type_among_concurrent_enqueues_is_refused_alone_and_the_others_are_written()
    {
        var store = await StoreAsync();

        var attempts = Enumerable.Range(0, 300).Select(i => store.EnqueueAsync(new NewJob(i % 50 == 7 ? "unknown" : "known", "{}"))).ToList();
        await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

        var refused = attempts.Where(a => a.IsFaulted).ToList();
        Assert.Equal(6, refused.Count);
        Assert.All(refused, a => Assert.IsType<UnknownJobTypeException>(a.Exception!.InnerException));
        Assert.Equal(294, attempts.Count(a => a.IsCompletedSuccessfully));
        Assert.Equal(294, await Db.StreamLengthAsync(new QueueKeys(_queue).Stream));
    }

    private IDatabase Db => server.Redis.GetDatabase();

    /// <summary>A store whose default queue is this test's, with the job type a worker registered.</summary>
    private async Task<JobStore> StoreAsync()
    {
        await Db.SetAddAsync(new QueueKeys(_queue).Types, "known");
        var options = Options.Create(new QueueOptions { Name = _queue });
        return new JobStore(server.Redis, new QueueDirectory(server.Redis, options), options);
    }

    /// <summary>How many EVALSHA and EVAL calls Redis has run.</summary>
    private Task<long> ScriptCallsAsync() => RedisCommandCalls.CountAsync(server.ConnectionString, "evalsha", "eval");
}
