using System.Collections.Concurrent;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Processing.Components;

/// <summary>
/// Runs claimed attempts, each in a slot of the fetcher's <see cref="SlotLease"/>, and keeps the registry of
/// attempts running in this process (for the lease renewer, cancellation and shutdown). On shutdown it lets
/// running jobs finish within <see cref="WorkerOptions.ShutdownTimeout"/> and abandons the rest, which stay
/// pending for other workers.
/// </summary>
internal sealed class JobDispatcher(
    JobExecutor executor,
    IOptions<WorkerOptions> options,
    ILogger<JobDispatcher> logger) : IHostedService
{
    // Keyed by the attempt itself: each claim is its own object, whatever its job id or token.
    private readonly ConcurrentDictionary<InFlightJob, Task> _running = new(ReferenceEqualityComparer.Instance);

    /// <summary>Stops the handlers running a job that was canceled.</summary>
    public void Cancel(string jobId)
    {
        foreach (var job in _running.Keys.Where(r => r.Job.JobId == jobId))
        {
            job.Cancel();
        }
    }

    /// <summary>Attempts running now, for the lease renewer.</summary>
    public IReadOnlyCollection<InFlightJob> Running => [.. _running.Keys];

    /// <summary>
    /// Starts every job <paramref name="consumer"/> claimed in a slot taken from <paramref name="lease"/>, and reports the entries that did
    /// not give a job to run. Returns how many started.
    /// </summary>
    public int Start(JobConsumer consumer, IReadOnlyList<ClaimResult> claims, DateTimeOffset claimStarted, SlotLease lease)
    {
        var claimEnded = DateTimeOffset.UtcNow;
        var started = 0;
        foreach (var claim in claims)
        {
            switch (claim.Outcome)
            {
                case ClaimOutcome.Claimed:
                    Start(new InFlightJob(claim.Job!, consumer, claimStarted, claimEnded), lease.Take());
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
                case ClaimOutcome.Malformed:
                    logger.LogError("Stream entry {EntryId} names no valid job_id ('{JobId}'); moved to the dead letters with its fields",
                        claim.Entry.EntryId, claim.Entry.JobId);
                    break;
                case ClaimOutcome.Finished:
                    logger.LogInformation("Job {JobId} was already finished; dropped its stream entry {EntryId}",
                        claim.Entry.JobId, claim.Entry.EntryId);
                    break;
                case ClaimOutcome.Held:
                    logger.LogDebug("Job {JobId} waits: its group is at the queue's group limit", claim.Entry.JobId);
                    break;
                case ClaimOutcome.Lost:
                    logger.LogInformation("Job {JobId} is held by another worker now; skipped", claim.Entry.JobId);
                    break;
            }
        }

        return started;
    }

    private void Start(InFlightJob inFlight, IDisposable slot)
    {
        // Registered before it starts, so a job that finishes at once is never left in the registry.
        var run = new Task<Task>(() => RunAsync(inFlight, slot));
        _running[inFlight] = run.Unwrap();
        run.Start(TaskScheduler.Default);
    }

    /// <summary>
    /// The slot is freed when the handler is done, not when its outcome is recorded: a slot bounds handlers
    /// running at once, and the next job need not wait for a round trip. The attempt stays registered (its
    /// lease renewed, shutdown waiting for it) until its outcome is recorded.
    /// </summary>
    private async Task RunAsync(InFlightJob inFlight, IDisposable slot)
    {
        try
        {
            await executor.RunAsync(inFlight, slot.Dispose);
        }
        finally
        {
            _running.TryRemove(inFlight, out _);
            slot.Dispose();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var runs = _running.Values.ToArray();
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
            foreach (var job in _running.Keys)
            {
                job.Abandon("the worker is shutting down");
            }

            // Give handlers a moment to observe cancellation; their entries stay pending either way.
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
        }
    }
}
