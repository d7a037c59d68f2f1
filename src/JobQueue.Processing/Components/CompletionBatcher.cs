using System.Threading.Channels;
using JobQueue.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Records finished attempts in batches: attempts that end while one batch is being written go together in
/// the next, so under load one script call records many jobs, and a lone job is recorded at once (no timer).
/// Each attempt's completion stays atomic and fenced by its token; the batch only shares the round trip.
/// </summary>
public sealed class CompletionBatcher : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly Channel<(AttemptEnd End, TaskCompletionSource<CompletionResult> Recorded)> _pending =
        Channel.CreateUnbounded<(AttemptEnd, TaskCompletionSource<CompletionResult>)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly JobConsumer _consumer;
    private readonly Task _writer;

    public CompletionBatcher(JobConsumer consumer)
    {
        _consumer = consumer;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Records the end of an attempt with the next batch; fails as the batch's script call fails (then retry).</summary>
    public Task<CompletionResult> CompleteAsync(AttemptEnd end)
    {
        var recorded = new TaskCompletionSource<CompletionResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite((end, recorded)))
        {
            recorded.SetException(new ObjectDisposedException(nameof(CompletionBatcher)));
        }

        return recorded.Task;
    }

    private async Task WriteAsync()
    {
        var batch = new List<(AttemptEnd End, TaskCompletionSource<CompletionResult> Recorded)>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                var results = await _consumer.CompleteAsync([.. batch.Select(b => b.End)]);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Recorded.SetResult(results[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var (_, recorded) in batch)
                {
                    recorded.SetException(e);
                }
            }

            batch.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }
}
