using System.Collections.Concurrent;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Writes single jobs that callers enqueue at the same time in shared enqueue.lua calls. Up to
/// <see cref="MaxCallsUnderWay"/> calls are under way at once: a job that arrives with fewer under way is written at
/// once, on its caller's thread (no timer, no thread of its own); jobs that arrive while all are under way go together
/// in the next call, sent as one returns, so under load one script call writes many jobs. Only jobs that cannot
/// affect each other share a call (no idempotency key, no dependencies: <see cref="JobStore.EnqueueAsync(NewJob)"/>
/// sends the others alone), one call per partition. A call is all or nothing, so a refused one (an unknown type) is
/// sent again job by job: each caller gets its own answer, and no job is written twice.
/// </summary>
internal sealed class EnqueueBatcher(Func<QueueKeys, IReadOnlyList<PendingJob>, Task<RedisResult[][]>> write)
{
    /// <summary>The most jobs one shared call writes: about 1.5 ms of Redis, so no other client waits long behind it.</summary>
    private const int MaxBatch = 100;

    /// <summary>
    /// The most calls under way at once. With one, a job that arrives during a call waits a round trip for it; with two,
    /// it goes at once, and under load the next call waits in Redis behind the one it runs. More would split what
    /// arrives together into more, smaller calls: the API under load took more Redis per job with four (27.6 against
    /// 25-26 µs per request) for no more throughput.
    /// </summary>
    private const int MaxCallsUnderWay = 2;

    private readonly ConcurrentQueue<Item> _queue = new();
    private int _underWay;

    private sealed record Item(QueueKeys Keys, PendingJob Job)
    {
        public TaskCompletionSource<RedisResult[]> Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Writes the job with the next call to its partition; its row of enqueue.lua's answer, or what refused it.</summary>
    public Task<RedisResult[]> WriteAsync(QueueKeys keys, PendingJob job)
    {
        var item = new Item(keys, job);
        _queue.Enqueue(item);
        SendQueued();
        return item.Written.Task;
    }

    /// <summary>
    /// Sends what is queued, up to <see cref="MaxBatch"/> jobs a call, while fewer than <see cref="MaxCallsUnderWay"/>
    /// calls are under way. Called after a job is queued and after a call returns: both change the queue or the count
    /// before they look at the other, so a queued job is always sent by one of them.
    /// </summary>
    private void SendQueued()
    {
        while (!_queue.IsEmpty)
        {
            var underWay = Volatile.Read(ref _underWay);
            if (underWay >= MaxCallsUnderWay)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _underWay, underWay + 1, underWay) != underWay)
            {
                continue;
            }

            var batch = new List<Item>();
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count == 0)
            {
                Interlocked.Decrement(ref _underWay); // another thread took them
                continue;
            }

            _ = SendAsync(batch); // runs here up to its call's await: a lone job goes out on this thread
        }
    }

    private async Task SendAsync(List<Item> batch)
    {
        try
        {
            await WriteAsync(batch); // answers every item, never throws
        }
        finally
        {
            Interlocked.Decrement(ref _underWay);
            SendQueued();
        }
    }

    /// <summary>One call per partition among the items (most batches: one).</summary>
    private Task WriteAsync(List<Item> batch)
    {
        var keys = batch[0].Keys;
        return batch.TrueForAll(b => b.Keys == keys)
            ? WriteAsync(keys, batch)
            : Task.WhenAll(batch.GroupBy(b => b.Keys).Select(g => WriteAsync(g.Key, [.. g])));
    }

    private async Task WriteAsync(QueueKeys keys, List<Item> items)
    {
        try
        {
            var rows = await write(keys, [.. items.Select(i => i.Job)]);
            for (var i = 0; i < items.Count; i++)
            {
                items[i].Written.SetResult(rows[i]);
            }
        }
        catch (Exception e) when (items.Count > 1 && e is UnknownJobTypeException)
        {
            // The call wrote nothing: each job alone, so only the refused ones are refused.
            await Task.WhenAll(items.Select(item => WriteAsync(keys, [item])));
        }
        catch (Exception e)
        {
            foreach (var item in items)
            {
                item.Written.SetException(e);
            }
        }
    }
}
