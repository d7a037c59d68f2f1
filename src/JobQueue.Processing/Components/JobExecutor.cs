using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Processing.Components;

/// <summary>
/// Runs one claimed attempt: finds its handler, runs it under the per-attempt timeout, and records the
/// outcome with the fenced completion script (after telling the caller the handler is done, so its slot can
/// take the next job while the outcome is written). The attempt is one "process" span continuing the submitter's
/// trace (from the traceparent stored with the job), with "claim", "handle" and "complete" spans inside.
/// </summary>
internal sealed class JobExecutor(
    IServiceScopeFactory scopes,
    CompletionBatcher completions,
    JobHandlerRegistry handlers,
    IOptions<QueueOptions> queueOptions,
    IOptions<WorkerOptions> options,
    ILogger<JobExecutor> logger)
{
    private const int MaxErrorLength = 2000;
    private const int CompletionTries = 5;

    private readonly ConcurrentDictionary<string, JobPolicy> _typePolicies = new(StringComparer.Ordinal);

    public async Task RunAsync(InFlightJob inFlight, Action handlerDone)
    {
        var job = inFlight.Job;
        var type = string.IsNullOrEmpty(job.Type) ? JobTypeName.Default : job.Type;
        ActivityContext.TryParse(job.TraceParent, null, out var parent);
        using var activity = JobQueueTelemetry.Source.StartActivity(
            $"process {type}", ActivityKind.Consumer, parent, startTime: inFlight.ClaimStarted);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.consumer.group.name", QueueKeys.ConsumerGroup);
        activity?.SetTag("jobqueue.job.id", job.JobId);
        activity?.SetTag("jobqueue.job.type", type);
        activity?.SetTag("jobqueue.job.attempt", job.Attempt);
        activity?.SetTag("jobqueue.worker", inFlight.Consumer.Name);
        activity?.SetTag("jobqueue.queue", inFlight.Consumer.Keys.Queue);
        RecordClaim(inFlight, activity);
        JobQueueTelemetry.WaitTime.Record(job.Waited.TotalSeconds, new KeyValuePair<string, object?>("jobqueue.job.type", type));

        logger.LogDebug("Job {JobId} ({JobType}) attempt {Attempt} started", job.JobId, type, job.Attempt);
        var policy = PolicyOf(job, type);
        var clock = Stopwatch.StartNew();
        var (outcome, text) = await RunHandlerAsync(inFlight, type, policy.Timeout!.Value);
        var elapsed = clock.Elapsed;
        handlerDone();
        JobQueueTelemetry.ProcessingDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("jobqueue.job.type", type));

        if (inFlight.AbandonReason is { } reason && outcome != AttemptOutcome.Succeeded && !inFlight.Canceled)
        {
            // Not this attempt's failure: the entry stays pending and is reclaimed by a worker that holds it.
            logger.LogWarning("Job {JobId} attempt {Attempt} stopped because {Reason}", job.JobId, job.Attempt, reason);
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            return;
        }

        var step = JobLifecycle.AfterAttempt(outcome, job.Attempt, policy, Random.Shared);
        CompletionResult? recorded;
        using (var completion = JobQueueTelemetry.Source.StartActivity("complete"))
        {
            recorded = await CompleteAsync(inFlight.Consumer, new AttemptEnd(job, step, text));
            completion?.SetTag("jobqueue.completion", recorded?.ToString() ?? "unrecorded");
        }

        Report(job, type, outcome, step, text, recorded, elapsed, activity);
    }

    /// <summary>The job's policy, completed part by part from its handler's registration, then from the settings.</summary>
    private JobPolicy PolicyOf(ClaimedJob job, string type)
    {
        // The type's part is the same for every job of the type: resolved once, not per job.
        var ofType = _typePolicies.GetOrAdd(type, t => (handlers.PolicyOf(t) ?? new JobPolicy())
            .Or(new JobPolicy(queueOptions.Value.MaxAttempts, Backoff: null, options.Value.JobTimeout)));
        return job.Policy?.Or(ofType) ?? ofType;
    }

    /// <summary>The claim ran before this span could start (one script call claims a batch), so its span is recorded after the fact.</summary>
    private static void RecordClaim(InFlightJob inFlight, Activity? process)
    {
        using var claim = process is null
            ? null
            : JobQueueTelemetry.Source.StartActivity("claim", ActivityKind.Internal, process.Context, startTime: inFlight.ClaimStarted);
        claim?.SetTag("jobqueue.job.attempt", inFlight.Job.Attempt);
        claim?.SetEndTime(inFlight.ClaimEnded.UtcDateTime);
    }

    private async Task<(AttemptOutcome Outcome, string ResultOrError)> RunHandlerAsync(InFlightJob inFlight, string type, TimeSpan attemptTimeout)
    {
        var job = inFlight.Job;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(inFlight.Abandoned);
        timeout.CancelAfter(attemptTimeout);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var runner = scope.ServiceProvider.GetKeyedService<JobRunner>(type)
                ?? throw new PermanentJobFailureException(
                    $"No handler is registered for job type '{type}' (this worker has: {string.Join(", ", handlers.Types)}).");
            using var handle = JobQueueTelemetry.Source.StartActivity($"handle {type}");
            var context = new JobContext(job.JobId, type, inFlight.Consumer.Keys.Queue, job.PayloadJson, job.Attempt, job.Run,
                progress => ReportProgressAsync(inFlight, progress), () => inFlight.Consumer.DependencyResultsAsync(job.JobId));
            var result = await runner.RunAsync(context, timeout.Token);
            return JsonNesting.IsWithin(result, JsonNesting.MaxStoredDepth)
                ? (AttemptOutcome.Succeeded, result)
                // Stored, it would break every answer that shows it; run again, it would nest as deep.
                : throw new PermanentJobFailureException(
                    $"The handler's result nests deeper than {JsonNesting.MaxStoredDepth} levels, the most a job's result may (readers read {JsonNesting.ReaderMaxDepth}).");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !inFlight.Abandoned.IsCancellationRequested)
        {
            return (AttemptOutcome.Failed, $"timed out after {attemptTimeout}");
        }
        catch (PermanentJobFailureException e)
        {
            return (AttemptOutcome.FailedPermanently, Describe(e));
        }
        catch (Exception e)
        {
            return (AttemptOutcome.Failed, Describe(e));
        }
    }

    private async Task ReportProgressAsync(InFlightJob inFlight, JsonNode progress)
    {
        // A failure here is the handler's to see: progress is best effort, the job's outcome is not.
        if (!await inFlight.Consumer.ReportProgressAsync(inFlight.Job, progress.ToJsonString()))
        {
            logger.LogDebug("Progress of job {JobId} not recorded: the attempt no longer holds it", inFlight.Job.JobId);
        }
    }

    /// <summary>Records the outcome, retrying through short Redis outages: a result lost here would re-run the job.</summary>
    private async Task<CompletionResult?> CompleteAsync(JobConsumer consumer, AttemptEnd end)
    {
        var backoff = new RetryBackoff();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await completions.CompleteAsync(consumer, end);
            }
            catch (Exception e) when (e.IsRedisFailure() && attempt < CompletionTries)
            {
                logger.LogWarning("Recording job {JobId} failed ({Reason}); retrying", end.Job.JobId, e.Message);
                await backoff.WaitAsync(CancellationToken.None);
            }
            catch (Exception e) when (e.IsRedisFailure())
            {
                logger.LogError(e, "Could not record job {JobId}; its entry stays pending and will be reclaimed", end.Job.JobId);
                return null;
            }
        }
    }

    private void Report(ClaimedJob job, string type, AttemptOutcome outcome, NextStep step, string text, CompletionResult? recorded,
        TimeSpan elapsed, Activity? activity)
    {
        var tag = new KeyValuePair<string, object?>("jobqueue.job.type", type);
        var ms = (long)elapsed.TotalMilliseconds;
        switch (recorded)
        {
            case CompletionResult.Done:
                JobQueueTelemetry.JobsCompleted.Add(1, tag);
                // Debug: at thousands of jobs a second a line per success costs more than the job; traces and
                // metrics record every one (appsettings.Development.json turns these on).
                logger.LogDebug("Job {JobId} ({JobType}) done on attempt {Attempt} in {ElapsedMs} ms", job.JobId, type, job.Attempt, ms);
                break;
            case CompletionResult.Retried:
                JobQueueTelemetry.JobsRetried.Add(1, tag);
                logger.LogWarning("Job {JobId} ({JobType}) attempt {Attempt} failed, retried in {RetryDelay}: {Error}",
                    job.JobId, type, job.Attempt, step.RetryDelay, text);
                break;
            case CompletionResult.Failed:
                JobQueueTelemetry.JobsFailed.Add(1, tag);
                logger.LogError("Job {JobId} ({JobType}) failed on attempt {Attempt}: {Error}", job.JobId, type, job.Attempt, text);
                break;
            case CompletionResult.Canceled:
                JobQueueTelemetry.JobsCanceled.Add(1, tag);
                logger.LogInformation("Job {JobId} ({JobType}) was canceled during attempt {Attempt}; its handler stopped", job.JobId, type, job.Attempt);
                return;
            case CompletionResult.Stale:
                JobQueueTelemetry.StaleCompletions.Add(1, tag);
                logger.LogWarning("Job {JobId} attempt {Attempt} finished ({Outcome}) after another worker took it over; result discarded",
                    job.JobId, job.Attempt, outcome);
                break;
        }

        if (outcome != AttemptOutcome.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, text);
        }
    }

    private static string Describe(Exception e)
    {
        var text = e is PermanentJobFailureException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }
}
