using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>
/// An owner's jobs read back a page at a time (<see cref="JobStore.OwnerJobsChangedSinceAsync"/>, what a feed catches up
/// with), against a real redis-server: runs of one change time longer than a page, jobs that change or go while it
/// pages, several partitions merged by time. Each test uses queues of its own.
/// </summary>
public sealed class OwnerIndexPagingTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private const string Owner = "user-1";
    private readonly string _id = Guid.NewGuid().ToString("N")[..10];

    private string Default => $"default-{_id}";

    private string Queue => $"hot-{_id}";

    private IDatabase Db => server.Redis.GetDatabase();

    [Fact]
    public async Task A_run_of_jobs_changed_in_the_same_ms_longer_than_pages_comes_whole_once_in_order()
    {
        var store = Store();
        var batch = await EnqueueAsync(store, 2 * OwnerIndexCursor.PageSize + 50);
        var later = await EnqueueAsync(store, 3);

        var read = await store.OwnerJobsChangedSinceAsync(Owner, 0).ToListAsync();

        Assert.Single(read.Take(batch.Count).Select(j => j.ChangedAt).Distinct()); // one script call, one ms: the run the pages split
        Assert.Equal(batch.Concat(later), read.Select(j => j.JobId)); // each once, in index order
        Assert.Equal(read.Select(j => j.ChangedAt).Order(), read.Select(j => j.ChangedAt));
        // The resume point counts: a change at that very ms is in, the ms after it out.
        var last = read[^1].ChangedAt;
        Assert.Equal(later.Order(), (await store.OwnerJobsChangedSinceAsync(Owner, last).ToListAsync()).Select(j => j.JobId).Order());
        Assert.Empty(await store.OwnerJobsChangedSinceAsync(Owner, last + 1).ToListAsync());
    }

    [Fact]
    public async Task Jobs_that_change_or_go_while_the_index_is_paged_leave_none_of_the_others_unread()
    {
        var store = Store();
        var batch = await EnqueueAsync(store, 3 * OwnerIndexCursor.PageSize);
        var read = new List<OwnedJob>();
        await using var pages = store.OwnerJobsChangedSinceAsync(Owner, 0).GetAsyncEnumerator();
        while (read.Count < OwnerIndexCursor.PageSize && await pages.MoveNextAsync())
        {
            read.Add(pages.Current);
        }

        // Half of the page already read changes (moves to a later score), as does a job not read yet; two others go.
        // An offset into the run would now point 50 entries too far.
        var taken = read.Select(j => j.JobId).ToList();
        var unread = batch.Except(taken).ToList();
        var changed = taken.Take(OwnerIndexCursor.PageSize / 2).Append(unread[0]).ToList();
        var gone = unread.Skip(1).Take(2).ToList();
        await Task.Delay(2); // a change time after the run's
        await Task.WhenAll(changed.Concat(gone).Select(store.CancelAsync));
        await Task.WhenAll(gone.Select(store.DeleteAsync));
        while (await pages.MoveNextAsync())
        {
            read.Add(pages.Current);
        }

        // Each job not gone comes once after the first page, at its last change: the unread ones, and the read ones that changed.
        var rest = read.Skip(OwnerIndexCursor.PageSize).ToList();
        var run = read[0].ChangedAt;
        Assert.Equal(unread.Except(gone).Concat(changed.Take(OwnerIndexCursor.PageSize / 2)).Order(), rest.Select(j => j.JobId).Order());
        Assert.All(changed, id => Assert.True(rest.Single(j => j.JobId == id) is { Status: JobStatus.Canceled } job && job.ChangedAt > run));
        Assert.Equal(read.Select(j => j.ChangedAt).Order(), read.Select(j => j.ChangedAt));
    }

    [Fact]
    public async Task The_pages_of_several_partitions_and_queues_are_merged_oldest_change_first()
    {
        await Directory().RegisterAsync(Queue, 3);
        var store = Store();
        // Groups that land in each partition, so that each batch goes to the partition the test chooses.
        var groups = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, 100).Select(i => $"g{i}").First(g => QueuePartitions.ForKey(g, 3) == p)).ToList();
        var expected = new List<string>();
        foreach (var (size, partition) in new[] { (30, 0), (150, 1), (70, 2), (5, -1), (120, 0), (1, 2), (60, 1), (40, -1) })
        {
            expected.AddRange(await EnqueueAsync(store, size, partition < 0 ? null : Queue, partition < 0 ? null : groups[partition]));
            await Task.Delay(3); // a change time of its own for each batch
        }

        var read = await store.OwnerJobsChangedSinceAsync(Owner, 0).ToListAsync();

        Assert.Equal(expected, read.Select(j => j.JobId)); // each once, batch after batch whichever partition holds it
        Assert.Equal(read.Select(j => j.ChangedAt).Order(), read.Select(j => j.ChangedAt));
        Assert.Equal([Default, Queue], read.Select(j => j.Queue).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>Enqueues <paramref name="count"/> jobs of the owner in one batch (one change time); their ids in index order.</summary>
    private static async Task<List<string>> EnqueueAsync(JobStore store, int count, string? queue = null, string? group = null) =>
        [.. (await store.EnqueueManyAsync([.. Enumerable.Range(0, count).Select(i => new NewJob("count", $$"""{"n":{{i}}}""", Queue: queue, Group: group, Owner: "user-1"))]))
            .Select(r => r.Job.Id).Order(StringComparer.Ordinal)];

    private QueueDirectory Directory() => new(server.Redis, Options.Create(new QueueOptions { Name = Default }));

    private JobStore Store() => new(server.Redis, Directory(), Options.Create(new QueueOptions { Name = Default }));
}
