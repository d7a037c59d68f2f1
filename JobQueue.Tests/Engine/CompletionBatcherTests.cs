using JobQueue.Processing.Components;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Engine;

/// <summary>Attempts that end together are recorded together, each still fenced by its own token, against a real Redis.</summary>
public sealed class CompletionBatcherTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..12];
    private static readonly NextStep Done = new(AttemptDecision.Done, TimeSpan.Zero);

    [Fact]
    public async Task Many_attempts_of_two_queues_ending_at_once_are_all_recorded_in_their_queue_and_a_stale_one_changes_nothing()
    {
        var (first, second) = ($"batcher-a-{_suffix}", $"batcher-b-{_suffix}");
        var options = Microsoft.Extensions.Options.Options.Create(new QueueOptions { Name = first });
        var directory = new QueueDirectory(server.Redis, options);
        var store = new JobStore(server.Redis, directory, options);
        await directory.RegisterAsync(second);
        var claimed = new List<(JobConsumer Consumer, ClaimedJob Job)>();
        foreach (var queue in new[] { first, second })
        {
            var consumer = new JobConsumer(server.Redis, directory.Keys(queue), options.Value, "w1");
            await consumer.EnsureGroupAsync();
            await store.EnqueueManyAsync([.. Enumerable.Range(0, 150).Select(i => new NewJob("echo", i.ToString(), Queue: queue))]);
            claimed.AddRange((await consumer.ReadAndClaimAsync(150)).Claims.Select(c => (consumer, c.Job!)));
        }

        var zombie = claimed[75].Job with { Token = "w0/1" };

        await using var batcher = new CompletionBatcher();
        var results = await Task.WhenAll(claimed.Select((c, i) =>
            batcher.CompleteAsync(c.Consumer, new AttemptEnd(i == 75 ? zombie : c.Job, Done, $"\"{c.Job.JobId}\""))));

        Assert.Equal(CompletionResult.Stale, results[75]);
        Assert.Equal(299, results.Count(r => r == CompletionResult.Done));
        var stale = await store.GetAsync(claimed[75].Job.JobId);
        Assert.Equal((JobStatus.Processing, null), (stale!.Status, stale.ResultJson));
        var done = await store.GetAsync(claimed[^1].Job.JobId);
        Assert.Equal((JobStatus.Done, $"\"{claimed[^1].Job.JobId}\"", second), (done!.Status, done.ResultJson, done.Queue));
        var db = server.Redis.GetDatabase();
        Assert.Equal((149L, 150L), ((long)await db.HashGetAsync(directory.Keys(first).Stats, "done"), (long)await db.HashGetAsync(directory.Keys(second).Stats, "done")));
    }

    [Fact]
    public async Task An_attempt_handed_in_after_the_batcher_is_disposed_fails_instead_of_being_lost_silently()
    {
        var consumer = new JobConsumer(server.Redis, new QueueKeys($"batcher-{_suffix}"), new QueueOptions(), "w1");
        var batcher = new CompletionBatcher();
        await batcher.DisposeAsync();
        var job = new ClaimedJob("0-1", Guid.NewGuid().ToString("D"), "echo", "1", 1, "w1/1", null, TimeSpan.Zero, 1);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.CompleteAsync(consumer, new AttemptEnd(job, Done, "1")));
    }
}
