using System.Collections.Concurrent;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Processing.Components;

/// <summary>
/// Owns this process's concurrency slots and the attempts running in them. The processor and the recoverer
/// take slots before they fetch, so an entry is only taken from Redis when it can start at once: nothing
/// waits in a local buffer where a crash would strand it. On shutdown it lets running jobs finish within
/// <see cref="WorkerOptions.ShutdownTimeout"/> and abandons the rest, which stay pending for other workers.
/// </summary>
public sealed class JobDispatcher(
    JobConsumer consumer,
    JobExecutor executor,
    IOptions<WorkerOptions> options,
    ILogger<JobDispatcher> logger) : IHostedService
{
    private readonly SemaphoreSlim _slots = new(options.Value.Concurrency, options.Value.Concurrency);
    private readonly ConcurrentDictionary<string, (InFlightJob Job, Task Run)> _running = new();

    /// <summary>Waits for one free slot, then takes up to <paramref name="max"/> without waiting.</summary>
    public async Task<int> AcquireSlotsAsync(int max, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var taken = 1;
        while (taken < max && _slots.Wait(0))
        {
            taken++;
        }

        return taken;
    }

    public void ReleaseSlots(int count)
    {
        if (count > 0)
        {
            _slots.Release(count);
        }
    }

    /// <summary>Stops the handlers running a job that was canceled.</summary>
    public void Cancel(string jobId)
    {
        foreach (var (job, _) in _running.Values.Where(r => r.Job.Job.JobId == jobId))
        {
            job.Cancel();
        }
    }

    /// <summary>Attempts running now, for the lease renewer.</summary>
    public IReadOnlyCollection<InFlightJob> Running => [.. _running.Values.Select(r => r.Job)];

    /// <summary>
    /// Reads new entries and claims them in one script call, then starts the claimed jobs in the
    /// <paramref name="slots"/> held by the caller. Returns how many entries it read; when none was waiting,
    /// 0, and the caller still holds the slots.
    /// </summary>
    public async Task<int> ReadClaimAndStartAsync(int slots)
    {
        ReadClaims read;
        var claimStarted = DateTimeOffset.UtcNow;
        try
        {
            read = await consumer.ReadAndClaimAsync(slots);
        }
        catch
        {
            ReleaseSlots(slots);
            throw;
        }

        if (read.Read == 0)
        {
            return 0;
        }

        var started = StartClaimed(read.Claims, claimStarted, DateTimeOffset.UtcNow);
        await ClaimAndStartAsync(read.Unchecked, slots - started);
        return read.Read;
    }

    /// <summary>
    /// Claims delivered entries in one script call and starts every claimed job in one of the
    /// <paramref name="slots"/> held by the caller; slots left over are released.
    /// </summary>
    public async Task ClaimAndStartAsync(IReadOnlyList<DeliveredEntry> entries, int slots)
    {
        IReadOnlyList<ClaimResult> claims;
        var claimStarted = DateTimeOffset.UtcNow;
        try
        {
            foreach (var malformed in entries.Where(e => e.JobId is null))
            {
                logger.LogError("Stream entry {EntryId} names no valid job_id ({Fields}); moved to the dead letters", malformed.EntryId, malformed.Fields);
                await consumer.DeadLetterMalformedAsync(malformed.EntryId, malformed.Fields);
            }

            claims = await consumer.ClaimAsync(entries);
        }
        catch
        {
            ReleaseSlots(slots);
            throw;
        }

        ReleaseSlots(slots - StartClaimed(claims, claimStarted, DateTimeOffset.UtcNow));
    }

    /// <summary>Starts the claimed jobs and reports the others; returns how many started (each took a slot).</summary>
    private int StartClaimed(IReadOnlyList<ClaimResult> claims, DateTimeOffset claimStarted, DateTimeOffset claimEnded)
    {
        var started = 0;
        foreach (var claim in claims)
        {
            switch (claim.Outcome)
            {
                case ClaimOutcome.Claimed:
                    Start(new InFlightJob(claim.Job!, claimStarted, claimEnded));
                    started++;
                    break;
                case ClaimOutcome.Exhausted:
                    JobQueueTelemetry.JobsFailed.Add(1);
                    logger.LogWarning("Job {JobId} failed: its {Attempts} attempt(s) are used up and the last did not finish",
                        claim.Entry.JobId, claim.Attempts);
                    break;
                case ClaimOutcome.Unreadable:
                    JobQueueTelemetry.JobsFailed.Add(1);
                    logger.LogError("Job {JobId} has an unreadable hash (edited by hand?); failed and moved to the dead letters", claim.Entry.JobId);
                    break;
                case ClaimOutcome.Finished:
                    logger.LogInformation("Job {JobId} was already finished; dropped its stream entry {EntryId}",
                        claim.Entry.JobId, claim.Entry.EntryId);
                    break;
                case ClaimOutcome.Lost:
                    logger.LogInformation("Job {JobId} is held by another worker now; skipped", claim.Entry.JobId);
                    break;
            }
        }

        return started;
    }

    private void Start(InFlightJob inFlight)
    {
        // Registered before it starts, so a job that finishes at once is never left in the registry.
        var run = new Task<Task>(() => RunAsync(inFlight));
        _running[inFlight.Job.Token] = (inFlight, run.Unwrap());
        run.Start(TaskScheduler.Default);
    }

    /// <summary>
    /// The slot is freed when the handler is done, not when its outcome is recorded: a slot bounds handlers
    /// running at once, and the next job need not wait for a round trip. The attempt stays registered (its
    /// lease renewed, shutdown waiting for it) until its outcome is recorded.
    /// </summary>
    private async Task RunAsync(InFlightJob inFlight)
    {
        var freed = 0;
        void FreeSlot()
        {
            if (Interlocked.Exchange(ref freed, 1) == 0)
            {
                _slots.Release();
            }
        }

        try
        {
            await executor.RunAsync(inFlight, FreeSlot);
        }
        finally
        {
            _running.TryRemove(inFlight.Job.Token, out _);
            FreeSlot();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var runs = _running.Values.Select(r => r.Run).ToArray();
        if (runs.Length == 0)
        {
            return;
        }

        logger.LogInformation("Waiting up to {Timeout} for {Count} running job(s) to finish", options.Value.ShutdownTimeout, runs.Length);
        var drained = Task.WhenAll(runs);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ShutdownTimeout);
        try
        {
            await drained.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            foreach (var (job, _) in _running.Values)
            {
                job.Abandon("the worker is shutting down");
            }

            // Give handlers a moment to observe cancellation; their entries stay pending either way.
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
        }
    }
}
