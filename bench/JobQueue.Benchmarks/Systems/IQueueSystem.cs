namespace JobQueue.Benchmarks.Systems;

/// <summary>
/// One queue under test, driven the same way for both: the benchmark's jobs carry <c>{"t": µs}</c>, the
/// moment they were submitted (Unix time in microseconds), and the no-op handler returns
/// <c>{"t": ..., "wait_us": ...}</c>: when it was submitted, and how long after that it started.
/// </summary>
public interface IQueueSystem : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The client library's ways to enqueue (BullMQ: add, addBulk).</summary>
    IReadOnlyList<string> EnqueueVariants { get; }

    /// <summary>
    /// Enqueues a warm-up of a tenth of <paramref name="jobs"/>, then <paramref name="jobs"/> timed, as fast as the
    /// client library allows: <paramref name="window"/> jobs in flight at once, one per call or, for a batch
    /// variant, <paramref name="batch"/> per call.
    /// </summary>
    Task<EnqueueRun> EnqueueAsync(string variant, int jobs, int window, int batch);

    /// <summary>
    /// The most jobs a drain row gives this system (fewer than <see cref="BenchSettings.DrainJobs"/> for a system so slow
    /// that the full backlog would take minutes per row): throughput is a rate, the row says how many each drained.
    /// </summary>
    int MostDrainJobs => int.MaxValue;

    /// <summary>Adds <paramref name="jobs"/> waiting jobs to <paramref name="queue"/> (null: the usual one), the fastest way the system offers (for a drain).</summary>
    Task FillAsync(int jobs, string? queue = null);

    /// <summary>
    /// Starts worker processes running the no-op handler, reading as <paramref name="shape"/> says (default: the plain
    /// drain), and returns once each is ready to take jobs.
    /// </summary>
    Task<WorkerGroup> StartWorkersAsync(int workers, int concurrency, DrainShape? shape = null);

    /// <summary>Jobs recorded as successfully done so far, in the queues of the workers last started.</summary>
    Task<long> CompletedAsync();

    /// <summary>Submits jobs one by one at <paramref name="perSecond"/> for <paramref name="duration"/> without waiting for them; returns how many.</summary>
    Task<int> ProduceAsync(int perSecond, TimeSpan duration);

    /// <summary>Every done job's submission time (<c>t</c>) and wait (<c>wait_us</c>).</summary>
    Task<IReadOnlyList<JobWait>> WaitTimesAsync();
}

/// <summary>A queue that also runs flows and schedules, and reads the shaped drains' queues (<see cref="DrainShape"/>).</summary>
public interface IWorkflowSystem : IQueueSystem
{

    /// <summary>
    /// Submits one flow in one call, a parent that waits for <paramref name="children"/> no-op children (JobQueue: a
    /// workflow batch; BullMQ: its FlowProducer), to running workers; returns when the parent is done.
    /// </summary>
    Task<FlowRun> RunFlowAsync(int children);

    /// <summary>
    /// Keeps a schedule firing every second (JobQueue: a cron schedule; BullMQ: a job scheduler) for
    /// <paramref name="seconds"/> with workers running, then removes it; returns, for each job it made, how long after
    /// its due time it started (ms).
    /// </summary>
    Task<IReadOnlyList<double>> ScheduleDelaysAsync(int seconds);
}

/// <summary>A flow's run: how long its submission took, and how long until its parent was done (submission included).</summary>
public sealed record FlowRun(int Children, TimeSpan Submitted, TimeSpan Completed);

/// <summary>When a job was submitted (µs since the Unix epoch) and how long it waited to start.</summary>
public readonly record struct JobWait(double SubmittedMicroseconds, double WaitMs)
{
    public static JobWait Parse(string handlerResult)
    {
        using var document = System.Text.Json.JsonDocument.Parse(handlerResult);
        var result = document.RootElement;
        return new JobWait(result.GetProperty("t").GetDouble(), result.GetProperty("wait_us").GetDouble() / 1000);
    }
}

/// <summary>How an enqueue run went: <see cref="Jobs"/> timed, <see cref="Written"/> with the warm-up (Redis's cost is per written job).</summary>
public sealed record EnqueueRun(string Variant, int Jobs, TimeSpan Elapsed, int Written)
{
    public double PerSecond => Jobs / Elapsed.TotalSeconds;
}
