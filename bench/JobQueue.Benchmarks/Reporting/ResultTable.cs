using System.Globalization;
using System.Text;
using JobQueue.Benchmarks.Scenarios;

namespace JobQueue.Benchmarks.Reporting;

/// <summary>The results as one Markdown table (readable in a terminal, pasted as is into docs/benchmarks.md).</summary>
public static class ResultTable
{
    private const string Ours = "JobQueue";
    private const string Theirs = "BullMQ";

    public static string Render(BenchResults results)
    {
        var rows = new List<(string Measure, string Ours, string Theirs, string Ratio)>();
        if (results.Enqueue.Count > 0)
        {
            AddEnqueue(results, rows);
        }

        if (results.Http.Count > 0)
        {
            AddHttp(results, rows);
        }

        if (results.Drain.Count > 0)
        {
            AddDrain(results, rows);
        }

        if (results.ShapedDrain.Count > 0)
        {
            AddShapedDrain(results, rows);
        }

        if (results.Latency.Count > 0)
        {
            AddLatency(results, rows);
        }

        foreach (var (ours, theirs) in results.Flows.Where(f => f.System == Ours).Zip(results.Flows.Where(f => f.System == Theirs)))
        {
            rows.Add(($"Flow of 1 parent + {ours.Children:N0} children, {ours.Workers} workers x {ours.Concurrency}: ms to parent done (lower is better)",
                D(ours.CompletionMs), D(theirs.CompletionMs), Ratio(ours.CompletionMs, theirs.CompletionMs)));
            rows.Add(("  of which submitting the flow (one call), ms", D(ours.SubmitMs), D(theirs.SubmitMs), Ratio(ours.SubmitMs, theirs.SubmitMs)));
            rows.Add(("  Redis CPU µs/job (lower is better)", D(ours.Redis.CpuMicroseconds), D(theirs.Redis.CpuMicroseconds),
                Ratio(ours.Redis.CpuMicroseconds, theirs.Redis.CpuMicroseconds)));
        }

        foreach (var (ours, theirs) in results.Schedules.Where(s => s.System == Ours).Zip(results.Schedules.Where(s => s.System == Theirs)))
        {
            rows.Add(($"Every-second schedule, due-to-start p50, ms ({ours.Jobs} vs {theirs.Jobs} jobs)", D(ours.P50Ms), D(theirs.P50Ms), Ratio(ours.P50Ms, theirs.P50Ms)));
            rows.Add(("Every-second schedule, due-to-start max, ms", D(ours.MaxMs), D(theirs.MaxMs), Ratio(ours.MaxMs, theirs.MaxMs)));
        }

        var width = rows.Max(r => r.Measure.Length);
        var text = new StringBuilder();
        text.AppendLine($"| {"Measurement".PadRight(width)} | {Ours,10} | {Theirs,10} | JobQueue / BullMQ |");
        text.AppendLine($"|{new string('-', width + 2)}|-----------:|-----------:|------------------:|");
        foreach (var (measure, ours, theirs, ratio) in rows)
        {
            text.AppendLine($"| {measure.PadRight(width)} | {ours,10} | {theirs,10} | {ratio,17} |");
        }

        return text.ToString();
    }

    private static void AddEnqueue(BenchResults results, List<(string, string, string, string)> rows)
    {
        var ours = results.Enqueue.Where(e => e.System == Ours).ToList();
        var theirs = results.Enqueue.Where(e => e.System == Theirs).ToList();
        // The variants pair up in order: one job per call (EnqueueAsync, add), then a batch per call (EnqueueManyAsync, addBulk).
        foreach (var (our, their) in ours.Zip(theirs))
        {
            rows.Add(($"Library enqueue, jobs/s (JobQueue {our.Variant} vs BullMQ {their.Variant})",
                N(our.PerSecond), N(their.PerSecond), Ratio(our.PerSecond, their.PerSecond)));
            rows.Add(("  Redis CPU µs/job (lower is better)", D(our.Redis.CpuMicroseconds), D(their.Redis.CpuMicroseconds),
                Ratio(our.Redis.CpuMicroseconds, their.Redis.CpuMicroseconds)));
            rows.Add(("  Redis commands/job", D(our.Redis.Commands), D(their.Redis.Commands), ""));
        }

        if (ours.Count > 1)
        {
            var (fastest, add) = (ours.MaxBy(e => e.PerSecond)!, theirs[0]);
            rows.Add(($"Library enqueue, jobs/s (JobQueue {fastest.Variant} vs BullMQ {add.Variant})",
                N(fastest.PerSecond), N(add.PerSecond), Ratio(fastest.PerSecond, add.PerSecond)));
        }
    }

    private static void AddHttp(BenchResults results, List<(string, string, string, string)> rows)
    {
        var ceiling = results.Http.Single(h => h.JobsInRedis is null);
        var api = results.Http.Single(h => h.JobsInRedis is not null);
        rows.Add(("HTTP POST /jobs, req/s (BullMQ column: bare Kestrel ceiling)", N(api.RequestsPerSecond), N(ceiling.RequestsPerSecond),
            Ratio(api.RequestsPerSecond, ceiling.RequestsPerSecond)));
    }

    private static void AddDrain(BenchResults results, List<(string, string, string, string)> rows)
    {
        foreach (var workers in results.Drain.Select(d => d.Workers).Distinct())
        {
            var ours = results.Drain.Single(d => d.System == Ours && d.Workers == workers);
            var theirs = results.Drain.Single(d => d.System == Theirs && d.Workers == workers);
            rows.Add(($"Drain {ours.Jobs:N0} jobs, {workers} worker(s) x {ours.Concurrency}, jobs/s", N(ours.PerSecond), N(theirs.PerSecond),
                Ratio(ours.PerSecond, theirs.PerSecond)));
            rows.Add(($"  Redis CPU µs/job (lower is better)", D(ours.Redis.CpuMicroseconds), D(theirs.Redis.CpuMicroseconds),
                Ratio(ours.Redis.CpuMicroseconds, theirs.Redis.CpuMicroseconds)));
            rows.Add(($"  Worker CPU µs/job (lower is better)", D(ours.WorkerCpuMicrosecondsPerJob), D(theirs.WorkerCpuMicrosecondsPerJob),
                Ratio(ours.WorkerCpuMicrosecondsPerJob, theirs.WorkerCpuMicrosecondsPerJob)));
            rows.Add(($"  Redis commands/job", D(ours.Redis.Commands), D(theirs.Redis.Commands), ""));
        }
    }

    private static void AddShapedDrain(BenchResults results, List<(string, string, string, string)> rows)
    {
        foreach (var shape in results.Settings.Shapes.Where(s => results.ShapedDrain.Any(d => d.Shape == s.Name)))
        {
            var ours = results.ShapedDrain.Single(d => d.System == Ours && d.Shape == shape.Name);
            var theirs = results.ShapedDrain.Single(d => d.System == Theirs && d.Shape == shape.Name);
            var what = shape.RateMax is { } max
                ? $"Rate-limited drain ({max:N0} per {shape.RatePeriod!.Value.TotalSeconds:0.#} s)"
                : $"Weighted drain ({shape.Queues.Count} queues {string.Join(':', shape.Queues.Select(q => q.Weight))})";
            rows.Add(($"{what}, {ours.Jobs:N0} jobs, {ours.Workers} workers x {ours.Concurrency}, jobs/s", N(ours.PerSecond), N(theirs.PerSecond),
                Ratio(ours.PerSecond, theirs.PerSecond)));
            rows.Add(($"  Redis CPU µs/job (lower is better)", D(ours.Redis.CpuMicroseconds), D(theirs.Redis.CpuMicroseconds),
                Ratio(ours.Redis.CpuMicroseconds, theirs.Redis.CpuMicroseconds)));
        }
    }

    private static void AddLatency(BenchResults results, List<(string, string, string, string)> rows)
    {
        var ourLatency = results.Latency.Single(l => l.System == Ours);
        var theirLatency = results.Latency.Single(l => l.System == Theirs);
        var setting = $"{ourLatency.PerSecond:N0} jobs/s, {ourLatency.Workers} workers";
        rows.Add(($"Enqueue-to-start p50, ms ({setting})", D(ourLatency.P50Ms), D(theirLatency.P50Ms), Ratio(ourLatency.P50Ms, theirLatency.P50Ms)));
        rows.Add(($"Enqueue-to-start p95, ms", D(ourLatency.P95Ms), D(theirLatency.P95Ms), Ratio(ourLatency.P95Ms, theirLatency.P95Ms)));
        rows.Add(($"Enqueue-to-start p99, ms", D(ourLatency.P99Ms), D(theirLatency.P99Ms), Ratio(ourLatency.P99Ms, theirLatency.P99Ms)));
        rows.Add(($"Enqueue-to-start max, ms", D(ourLatency.MaxMs), D(theirLatency.MaxMs), Ratio(ourLatency.MaxMs, theirLatency.MaxMs)));
        rows.Add(($"  p99 in the workers' first {results.Settings.LatencyWarmUp.TotalSeconds:0.#} s (JIT warm-up), ms", D(ourLatency.WarmUpP99Ms),
            D(theirLatency.WarmUpP99Ms), Ratio(ourLatency.WarmUpP99Ms, theirLatency.WarmUpP99Ms)));
        rows.Add(($"  Redis CPU µs/job at that rate (lower is better)", D(ourLatency.Redis.CpuMicroseconds), D(theirLatency.Redis.CpuMicroseconds),
            Ratio(ourLatency.Redis.CpuMicroseconds, theirLatency.Redis.CpuMicroseconds)));
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string D(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Ratio(double ours, double theirs) =>
        theirs == 0 ? "" : (ours / theirs).ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
