namespace JobQueue.Benchmarks.Scenarios;

public sealed record EnqueueResult(string System, string Variant, int Jobs, double PerSecond, RedisCost Redis);

/// <summary>
/// One HTTP target under load: a Kestrel ceiling or the API (whose 202s are checked against the jobs in Redis), with the
/// CPU its process spent per request.
/// </summary>
public sealed record HttpResult(
    string Target, double RequestsPerSecond, long Requests, long Errors, double CpuMicrosecondsPerRequest, long? JobsInRedis, RedisCost? Redis);

/// <summary>A drain; <see cref="Shape"/> names what its workers read (<see cref="Systems.DrainShape"/>): "plain", "limited", "weighted".</summary>
public sealed record DrainResult(
    string System, int Workers, int Concurrency, int Jobs, double PerSecond, double WorkerCpuMicrosecondsPerJob, RedisCost Redis, string Shape);

/// <summary>Percentiles of the measured jobs; <see cref="WarmUpP99Ms"/> of the jobs submitted while the workers were new.</summary>
public sealed record LatencyResult(
    string System, int PerSecond, int Workers, int Jobs, double P50Ms, double P95Ms, double P99Ms, double MaxMs,
    double WarmUpP99Ms, RedisCost Redis);

/// <summary>One flow: its submission, and the time until its parent was done (submission included), in ms.</summary>
public sealed record FlowResult(string System, int Children, int Workers, int Concurrency, double SubmitMs, double CompletionMs, RedisCost Redis);

/// <summary>An every-second schedule's jobs: how long after its due time each started (ms, median and worst).</summary>
public sealed record ScheduleResult(string System, int Jobs, double P50Ms, double MaxMs);

public sealed record MachineInfo(string Cpu, int Cores, string Os, string DotNet, string Node, string Redis, string BullMq, string Hangfire);

public sealed record BenchResults(
    DateTimeOffset Date,
    MachineInfo Machine,
    BenchSettings Settings,
    IReadOnlyList<EnqueueResult> Enqueue,
    IReadOnlyList<HttpResult> Http,
    IReadOnlyList<DrainResult> Drain,
    IReadOnlyList<DrainResult> ShapedDrain,
    IReadOnlyList<LatencyResult> Latency,
    IReadOnlyList<FlowResult> Flows,
    IReadOnlyList<ScheduleResult> Schedules);
