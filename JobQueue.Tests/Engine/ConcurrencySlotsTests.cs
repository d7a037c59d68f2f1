using JobQueue.Processing;
using JobQueue.Processing.Components;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Engine;

/// <summary>The worker's concurrency slots: a fetcher leases what is free, each started job holds one, nothing leaks.</summary>
public sealed class ConcurrencySlotsTests
{
    private static ConcurrencySlots Slots(int concurrency) => new(Options.Create(new WorkerOptions { Concurrency = concurrency }));

    [Fact]
    public async Task A_lease_takes_every_free_slot_and_the_next_lease_waits_until_one_is_freed()
    {
        var slots = Slots(3);
        var lease = await slots.LeaseAsync(CancellationToken.None);
        Assert.Equal(3, lease.Count);
        var job = lease.Take();
        lease.Dispose();

        var second = await slots.LeaseAsync(CancellationToken.None);
        Assert.Equal(2, second.Count);
        var third = slots.LeaseAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(third.IsCompleted);

        job.Dispose();
        Assert.Equal(1, (await third.WaitAsync(TimeSpan.FromSeconds(5))).Count);
    }

    [Fact]
    public async Task A_lease_left_by_an_exception_frees_the_slots_no_job_took()
    {
        var slots = Slots(4);
        IDisposable? running = null;
        await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            using var lease = await slots.LeaseAsync(CancellationToken.None);
            running = lease.Take();
            throw new TimeoutException("Redis did not answer");
        });

        using var next = await slots.LeaseAsync(CancellationToken.None);
        Assert.Equal(3, next.Count);
        Assert.NotNull(running);
    }

    [Fact]
    public async Task A_jobs_slot_is_freed_once_however_often_it_is_disposed()
    {
        var slots = Slots(2);
        using (var lease = await slots.LeaseAsync(CancellationToken.None))
        {
            var slot = lease.Take();
            slot.Dispose();
            slot.Dispose();
        }

        using var all = await slots.LeaseAsync(CancellationToken.None);
        Assert.Equal(2, all.Count);
    }

    [Fact]
    public async Task Taking_more_slots_than_a_lease_holds_is_refused()
    {
        using var lease = await Slots(1).LeaseAsync(CancellationToken.None);
        lease.Take();

        Assert.Throws<InvalidOperationException>(() => lease.Take());
    }
}
