using System.Threading.Channels;
using JobQueue.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Records finished attempts in batches: attempts that end while one batch is being written go together in
/// the next, so under load one script call records many jobs, and a lone job is recorded at once (no timer).
/// Each attempt's completion stays atomic and fenced by its token; the batch only shares the round trip (one
/// script call per queue in the batch, made at once: a script touches one queue's keys).
/// </summary>
internal sealed class CompletionBatcher : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly Channel<Item> _pending = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    private readonly record struct Item(JobConsumer Consumer, AttemptEnd End, TaskCompletionSource<CompletionResult> Recorded);

    public CompletionBatcher()
    {
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>
    /// Records the end of an attempt <paramref name="consumer"/> claimed with the next batch; fails as the batch's
    /// script call fails (then retry).
    /// </summary>
    public Task<CompletionResult> CompleteAsync(JobConsumer consumer, AttemptEnd end)
    {
        var recorded = new TaskCompletionSource<CompletionResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite(new Item(consumer, end, recorded)))
        {
            recorded.SetException(new ObjectDisposedException(nameof(CompletionBatcher)));
        }

        return recorded.Task;
    }

    private async Task WriteAsync()
    {
        var batch = new List<Item>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            // Most workers read one queue: then the batch is one call, with nothing to group.
            var consumer = batch[0].Consumer;
            await (batch.TrueForAll(b => b.Consumer == consumer)
                ? WriteAsync(consumer, batch)
                : Task.WhenAll(batch.GroupBy(b => b.Consumer).Select(g => WriteAsync(g.Key, [.. g]))));
            batch.Clear();
        }
    }

    private static async Task WriteAsync(JobConsumer consumer, List<Item> items)
    {
        try
        {
            var results = await consumer.CompleteAsync([.. items.Select(b => b.End)]);
            for (var i = 0; i < items.Count; i++)
            {
                items[i].Recorded.SetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var item in items)
            {
                item.Recorded.SetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }
}
