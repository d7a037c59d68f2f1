using Microsoft.Extensions.Options;

namespace JobQueue.Processing.Components;

/// <summary>
/// How many handlers this process runs at once (<see cref="WorkerOptions.Concurrency"/>). A fetcher leases free
/// slots before it takes entries from Redis, so an entry is only taken when it can start at once: nothing waits
/// in a local buffer where a crash would strand it.
/// </summary>
internal sealed class ConcurrencySlots(IOptions<WorkerOptions> options)
{
    private readonly SemaphoreSlim _free = new(options.Value.Concurrency, options.Value.Concurrency);

    /// <summary>Waits for one free slot, then takes every other free one without waiting.</summary>
    public async Task<SlotLease> LeaseAsync(CancellationToken cancellationToken)
    {
        await _free.WaitAsync(cancellationToken);
        var taken = 1;
        while (taken < options.Value.Concurrency && _free.Wait(0))
        {
            taken++;
        }

        return new SlotLease(this, taken);
    }

    internal void Free(int count) => _free.Release(count);
}
