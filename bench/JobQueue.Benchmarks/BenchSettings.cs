namespace JobQueue.Benchmarks;

/// <summary>
/// The sizes of one benchmark run. The defaults are the published run; <c>--smoke</c> shrinks every number
/// so the test suite can run the whole harness in seconds (it checks the harness works, not the figures).
/// </summary>
public sealed record BenchSettings
{
    /// <summary>
    /// Jobs each system enqueues through its client library (after a warm-up of a tenth as many): enough for several
    /// seconds of steady load. With 50,000 the measured 1.5 s was mostly .NET's first-tier JIT code (31k jobs/s against
    /// 41k steady); a process's first seconds have rows of their own (the latency warm-up, <c>./bench.sh startup</c>).
    /// </summary>
    public int EnqueueJobs { get; init; } = 300_000;

    /// <summary>Enqueues in flight at once from one client (pipelined on one connection).</summary>
    public int EnqueueWindow { get; init; } = 500;

    /// <summary>Jobs per call of the batch variants (JobQueue's EnqueueManyAsync, BullMQ's addBulk).</summary>
    public int EnqueueBatch { get; init; } = 100;

    public TimeSpan HttpDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Load before the measured run, not counted (JIT warm-up of the freshly started process).</summary>
    public TimeSpan HttpWarmUp { get; init; } = TimeSpan.FromSeconds(5);

    public int HttpConnections { get; init; } = 64;

    /// <summary>Jobs waiting when the drain starts.</summary>
    public int DrainJobs { get; init; } = 100_000;

    /// <summary>Worker process counts to drain with (the chart's x axis).</summary>
    public IReadOnlyList<int> DrainWorkers { get; init; } = [1, 2, 3, 4];

    /// <summary>Jobs each worker process runs at once (JobQueue's Worker:Concurrency, BullMQ's concurrency).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Jobs waiting when a shaped drain starts (<see cref="Shapes"/>), split evenly between its queues.</summary>
    public int ShapedDrainJobs { get; init; } = 20_000;

    public int ShapedDrainWorkers { get; init; } = 2;

    /// <summary>
    /// The drains beyond the plain one (<c>--only limited,weighted</c>): a queue rate-limited to 5,000 jobs a second
    /// (BullMQ: its limiter, the same limit), and two queues weighted 3:1.
    /// </summary>
    public IReadOnlyList<Systems.DrainShape> Shapes { get; init; } =
    [
        new("limited", [new(null, 1)], RateMax: 5_000, RatePeriod: TimeSpan.FromSeconds(1)),
        new("weighted", [new("bench-a", 3), new("bench-b", 1)]),
    ];

    public int LatencyRate { get; init; } = 1000;

    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Jobs at the same rate before the measured ones, reported apart: .NET's tiered JIT recompiles hot code
    /// in the first seconds of a process, and its pauses land in this window, not in a running worker's.
    /// </summary>
    public TimeSpan LatencyWarmUp { get; init; } = TimeSpan.FromSeconds(10);

    public int LatencyWorkers { get; init; } = 3;

    /// <summary>Children of the flow whose completion time is measured (one parent waits for them all).</summary>
    public int FlowChildren { get; init; } = 10_000;

    /// <summary>Worker processes for the flow and the schedule.</summary>
    public int FlowWorkers { get; init; } = 2;

    /// <summary>How long the every-second schedule runs (about one job per second).</summary>
    public int ScheduleSeconds { get; init; } = 20;

    /// <summary>Where the JSON results and the chart are written.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("bench", "results");

    public bool Smoke { get; init; }

    /// <summary>The measurements to run (<c>--only drain,latency</c>); all when empty.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    public bool Runs(string measurement) => Only.Count == 0 || Only.Contains(measurement);

    /// <summary>
    /// Runs redis-server under Valgrind and reports the instructions it ran per job, and where (<c>--profile-redis</c>,
    /// with a few thousand jobs: the server runs about 50 times slower; see <see cref="RedisProfiler"/>).
    /// </summary>
    public bool ProfileRedis { get; init; }

    /// <summary>The systems to measure (<c>--systems JobQueue,BullMQ</c>); all when empty.</summary>
    public IReadOnlyList<string> Systems { get; init; } = [];

    public bool Measures(string system) => Systems.Count == 0 || Systems.Contains(system, StringComparer.OrdinalIgnoreCase);

    public static BenchSettings Parse(string[] args)
    {
        var settings = args.Contains("--smoke")
            ? new BenchSettings
            {
                Smoke = true,
                EnqueueJobs = 300,
                EnqueueWindow = 50,
                EnqueueBatch = 10,
                HttpDuration = TimeSpan.FromSeconds(1),
                HttpWarmUp = TimeSpan.FromSeconds(1),
                HttpConnections = 4,
                DrainJobs = 200,
                DrainWorkers = [1, 2],
                ShapedDrainJobs = 200,
                Shapes =
                [
                    new("limited", [new(null, 1)], RateMax: 500, RatePeriod: TimeSpan.FromSeconds(1)),
                    new("weighted", [new("bench-a", 3), new("bench-b", 1)]),
                ],
                Concurrency = 4,
                LatencyRate = 100,
                LatencyDuration = TimeSpan.FromSeconds(1),
                LatencyWarmUp = TimeSpan.FromSeconds(0.5),
                LatencyWorkers = 2,
                FlowChildren = 100,
                FlowWorkers = 1,
                ScheduleSeconds = 3,
            }
            : new BenchSettings();
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        return settings with
        {
            OutputDirectory = Option("--out") ?? settings.OutputDirectory,
            Only = Option("--only")?.Split(',') ?? [],
            Systems = Option("--systems")?.Split(',') ?? [],
            ProfileRedis = args.Contains("--profile-redis"),
            DrainJobs = Option("--jobs") is { } jobs ? int.Parse(jobs) : settings.DrainJobs,
            EnqueueJobs = Option("--enqueue-jobs") is { } enqueueJobs ? int.Parse(enqueueJobs) : settings.EnqueueJobs,
            DrainWorkers = Option("--workers")?.Split(',').Select(int.Parse).ToArray() ?? settings.DrainWorkers,
            LatencyWorkers = Option("--latency-workers") is { } latencyWorkers ? int.Parse(latencyWorkers) : settings.LatencyWorkers,
        };
    }
}
