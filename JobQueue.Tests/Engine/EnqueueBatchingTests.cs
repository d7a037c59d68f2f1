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

    [Fact]
    public async Task A_job_enqueued_while_another_call_is_under_way_is_sent_at_once_instead_of_after_its_reply()
    {
        // The store on a connection of its own, named, so that Redis's client list shows what it has sent.
        const string name = "enqueue-window";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",name=" + name);
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var store = await StoreAsync(connection);
        await store.EnqueueAsync(new NewJob("known", "{}")); // the script loaded, the connection up
        var stream = new QueueKeys(_queue).Stream;
        var before = await Db.StreamLengthAsync(stream);

        // Redis holds every script call (a write) until unpaused: the first job's call stays under way.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "5000", "WRITE");
        Task<EnqueueResult> first, second;
        try
        {
            first = store.EnqueueAsync(new NewJob("known", """{"n": 1}"""));
            await Eventually.WaitAsync(() => ClientAsync(admin, name), c => c.Contains(" flags=b"), TimeSpan.FromSeconds(3),
                "the first job's call held in Redis");

            second = store.EnqueueAsync(new NewJob("known", """{"n": 2}"""));

            // Sent behind the held call: its bytes wait in the client's query buffer. Held for the first call's reply,
            // it would not be there until the pause ends.
            await Eventually.WaitAsync(() => ClientAsync(admin, name), c => !c.Contains(" qbuf=0 "), TimeSpan.FromSeconds(3),
                "the second job's call in Redis while the first is held");
        }
        finally
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "UNPAUSE");
        }

        await Task.WhenAll(first, second);
        Assert.Equal(before + 2, await Db.StreamLengthAsync(stream));
    }

    private IDatabase Db => server.Redis.GetDatabase();

    /// <summary>A store whose default queue is this test's, with the job type a worker registered.</summary>
    private async Task<JobStore> StoreAsync(ConnectionMultiplexer? connection = null)
    {
        connection ??= server.Redis;
        await Db.SetAddAsync(new QueueKeys(_queue).Types, "known");
        var options = Options.Create(new QueueOptions { Name = _queue });
        return new JobStore(connection, new QueueDirectory(connection, options), options);
    }

    /// <summary>The line of Redis's CLIENT LIST for the connection named <paramref name="name"/> (its interactive one).</summary>
    private static async Task<string> ClientAsync(ConnectionMultiplexer admin, string name)
    {
        var clients = (string)(await admin.GetDatabase().ExecuteAsync("CLIENT", "LIST"))!;
        return clients.Split('\n').FirstOrDefault(c => c.Contains($" name={name} ") && !c.Contains(" cmd=subscribe")) ?? "";
    }

    /// <summary>How many EVALSHA and EVAL calls Redis has run.</summary>
    private Task<long> ScriptCallsAsync() => RedisCommandCalls.CountAsync(server.ConnectionString, "evalsha", "eval");
}
