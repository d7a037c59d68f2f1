using JobQueue.Processing.Components;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Engine;

/// <summary>Attempts that end together are recorded together, each still fenced by its own token, against a real Redis.</summary>
public sealed class CompletionBatcherTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly QueueKeys _keys = new("batcher-" + Guid.NewGuid().ToString("N")[..12]);
    private static readonly QueueOptions Options = new();
    private static readonly NextStep Done = new(AttemptDecision.Done, TimeSpan.Zero);

    [Fact]
    public async Task Many_attempts_ending_at_once_are_all_recorded_and_a_stale_one_among_them_changes_nothing()
    {
        var store = new JobStore(server.Redis, _keys, Microsoft.Extensions.Options.Options.Create(Options));
        var consumer = new JobConsumer(server.Redis, server.Redis, _keys, Options, "w1");
        await consumer.EnsureGroupAsync();
        await store.EnqueueManyAsync([.. Enumerable.Range(0, 300).Select(i => new NewJob("echo", i.ToString()))]);
        var claimed = (await consumer.ClaimAsync(await consumer.ReadAsync(300, TimeSpan.FromMilliseconds(10)))).Select(c => c.Job!).ToList();
        var zombie = claimed[150] with { Token = "w0/1" };

        await using var batcher = new CompletionBatcher(consumer);
        var results = await Task.WhenAll(claimed.Select(job =>
            batcher.CompleteAsync(new AttemptEnd(job == claimed[150] ? zombie : job, Done, $"\"{job.JobId}\""))));

        Assert.Equal(CompletionResult.Stale, results[150]);
        Assert.Equal(299, results.Count(r => r == CompletionResult.Done));
        var stale = await store.GetAsync(claimed[150].JobId);
        Assert.Equal((JobStatus.Processing, null), (stale!.Status, stale.ResultJson));
        var done = await store.GetAsync(claimed[0].JobId);
        Assert.Equal((JobStatus.Done, $"\"{claimed[0].JobId}\""), (done!.Status, done.ResultJson));
        Assert.Equal(299, (long)await server.Redis.GetDatabase().HashGetAsync(_keys.Stats, "done"));
    }

    [Fact]
    public async Task An_attempt_handed_in_after_the_batcher_is_disposed_fails_instead_of_being_lost_silently()
    {
        var consumer = new JobConsumer(server.Redis, server.Redis, _keys, Options, "w1");
        var batcher = new CompletionBatcher(consumer);
        await batcher.DisposeAsync();
        var job = new ClaimedJob("0-1", Guid.NewGuid().ToString("D"), "echo", "1", 1, "w1/1", null, TimeSpan.Zero, 1);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.CompleteAsync(new AttemptEnd(job, Done, "1")));
    }
}
