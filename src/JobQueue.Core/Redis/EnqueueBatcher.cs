using System.Collections.Concurrent;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Writes single jobs that callers enqueue at the same time in shared enqueue.lua calls: jobs that arrive while calls
/// are under way go together in the next ones, so under load one script call writes many jobs, and a lone job is
/// written at once, on its caller's thread (no timer, no thread of its own). Only jobs that cannot affect each other
/// share a call (no idempotency key, no dependencies: <see cref="JobStore.EnqueueAsync(NewJob)"/> sends the others
/// alone), one call per partition. A call is all or nothing, so a refused one (an unknown type) is sent again job by
/// job: each caller gets its own answer, and no job is written twice.
/// </summary>
internal sealed class EnqueueBatcher(Func<QueueKeys, IReadOnlyList<PendingJob>, Task<RedisResult[]>> write)
{
    /// <summary>The most jobs one shared call writes: about 1.5 ms of Redis, so no other client waits long behind it.</summary>
    private const int MaxBatch = 100;

    private readonly ConcurrentQueue<Item> _queue = new();
    private int _writing;

    private sealed record Item(QueueKeys Keys, PendingJob Job)
    {
        public TaskCompletionSource<RedisResult> Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Writes the job with the next call to its partition; its row of enqueue.lua's answer, or what refused it.</summary>
    public Task<RedisResult> WriteAsync(QueueKeys keys, PendingJob job)
    {
        var item = new Item(keys, job);
        _queue.Enqueue(item);
        if (Interlocked.Exchange(ref _writing, 1) == 0)
        {
            _ = WriteQueuedAsync(); // runs here up to its first call's await: a lone job goes out on this thread
        }

        return item.Written.Task;
    }

    /// <summary>
    /// Writes what is queued, in calls of up to <see cref="MaxBatch"/> sent together (pipelined), then what came meanwhile,
    /// until nothing is; then lets the next caller start again.
    /// </summary>
    private async Task WriteQueuedAsync()
    {
        do
        {
            var (writes, batch) = (new List<Task>(), new List<Item>());
            while (_queue.TryDequeue(out var item))
            {
                batch.Add(item);
                if (batch.Count == MaxBatch)
                {
                    writes.Add(WriteAsync(batch));
                    batch = [];
                }
            }

            if (batch.Count > 0)
            {
                writes.Add(WriteAsync(batch));
            }

            await Task.WhenAll(writes);
            Volatile.Write(ref _writing, 0);
        }
        // A job queued just before the flag dropped found it still up: whoever raises it next writes that job.
        while (!_queue.IsEmpty && Interlocked.Exchange(ref _writing, 1) == 0);
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
