using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace JobQueue;

/// <summary>
/// The product's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>JobQueue</c>.
/// Spans and instruments are exported by whatever OpenTelemetry setup the host has (see ServiceDefaults).
/// </summary>
public static class JobQueueTelemetry
{
    public const string Name = "JobQueue";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> JobsEnqueued =
        Meter.CreateCounter<long>("jobqueue.jobs.enqueued", "{job}", "Jobs accepted into the queue.");

    public static readonly Counter<long> JobsCompleted =
        Meter.CreateCounter<long>("jobqueue.jobs.completed", "{job}", "Jobs whose handler succeeded.");

    public static readonly Counter<long> JobsFailed =
        Meter.CreateCounter<long>("jobqueue.jobs.failed", "{job}", "Jobs that failed for good.");

    public static readonly Counter<long> JobsCanceled =
        Meter.CreateCounter<long>("jobqueue.jobs.canceled", "{job}", "Running jobs whose handler was stopped by a cancellation.");

    public static readonly Counter<long> JobsRetried =
        Meter.CreateCounter<long>("jobqueue.jobs.retried", "{job}", "Failed attempts requeued for another try.");

    public static readonly Counter<long> JobsReclaimed =
        Meter.CreateCounter<long>("jobqueue.jobs.reclaimed", "{job}", "Entries taken over from a dead or stalled worker.");

    public static readonly Counter<long> StaleCompletions =
        Meter.CreateCounter<long>("jobqueue.jobs.stale_completions", "{job}", "Late completions refused because the job was reclaimed.");

    public static readonly Histogram<double> ProcessingDuration =
        Meter.CreateHistogram<double>("jobqueue.job.duration", "s", "Time a handler ran for one attempt.");

    public static readonly Histogram<double> WaitTime =
        Meter.CreateHistogram<double>("jobqueue.job.wait_time", "s", "Time from enqueue to the start of an attempt.");
}
