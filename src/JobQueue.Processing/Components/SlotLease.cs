namespace JobQueue.Processing.Components;

/// <summary>
/// Slots a fetcher holds: each job it starts takes one (<see cref="Take"/>) and frees it when its handler
/// returns; disposing the lease frees the ones no job took, whatever happened in between.
/// </summary>
internal sealed class SlotLease(ConcurrencySlots slots, int count) : IDisposable
{
    private int _held = count;

    /// <summary>Slots not yet taken by a job: how many entries to fetch.</summary>
    public int Count => _held;

    /// <summary>Takes one slot for a job that starts now; disposing the returned slot frees it.</summary>
    public IDisposable Take()
    {
        if (_held == 0)
        {
            throw new InvalidOperationException("The lease has no slot left.");
        }

        _held--;
        return new Slot(slots);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _held, 0) is > 0 and var left)
        {
            slots.Free(left);
        }
    }

    private sealed class Slot(ConcurrencySlots slots) : IDisposable
    {
        private int _freed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _freed, 1) == 0)
            {
                slots.Free(1);
            }
        }
    }
}
