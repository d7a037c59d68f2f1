using System.Globalization;
using System.Text;
using JobQueue.Benchmarks.Scenarios;

namespace JobQueue.Benchmarks.Reporting;

/// <summary>
/// The results as Markdown tables (readable in a terminal, pasted as is into docs/benchmarks.md): the systems side by
/// side, each ratio JobQueue's figure over the other's; then the HTTP targets.
/// </summary>
public static class ResultTable
{
    private const string Ours = "JobQueue";
    private static readonly string[] Others = ["BullMQ", "Hangfire"];

    /// <summary>One row: a figure per system (null where a system has none), shown as <paramref name="Format"/> says.</summary>
    private sealed record Row(string Measure, IReadOnlyDictionary<string, double> Figures, Func<double, string> Format, bool Ratios = true);

    public static string Render(BenchResults results)
    {
        var rows = new List<Row>();
        AddEnqueue(results, rows);
        AddDrain(results, rows);
        AddShapedDrain(results, rows);
        AddLatency(results, rows);
        foreach (var flow in results.Flows.GroupBy(f => f.Children))
        {
            var first = flow.First();
            rows.Add(new($"Flow of 1 parent + {first.Children:N0} children, {first.Workers} workers x {first.Concurrency}: ms to parent done (lower is better)",
                flow.ToDictionary(f => f.System, f => f.CompletionMs), D));
            rows.Add(new("  of which submitting the flow (one call), ms", flow.ToDictionary(f => f.System, f => f.SubmitMs), D));
            rows.Add(new("  Redis CPU µs/job (lower is better)", flow.ToDictionary(f => f.System, f => f.Redis.CpuMicroseconds), D));
        }

        if (results.Schedules.Count > 0)
        {
            var jobs = string.Join(" vs ", results.Schedules.Select(s => s.Jobs));
            rows.Add(new($"Every-second schedule, due-to-start p50, ms ({jobs} jobs)", results.Schedules.ToDictionary(s => s.System, s => s.P50Ms), D));
            rows.Add(new("Every-second schedule, due-to-start max, ms", results.Schedules.ToDictionary(s => s.System, s => s.MaxMs), D));
        }

        var text = new StringBuilder();
        if (rows.Count > 0)
        {
            RenderSystems(rows, text);
        }

        if (results.Http.Count > 0)
        {
            text.AppendLine();
            RenderHttp(results.Http, text);
        }

        return text.ToString();
    }

    private static void RenderSystems(List<Row> rows, StringBuilder text)
    {
        string[] systems = [Ours, .. Others];
        var width = rows.Max(r => r.Measure.Length);
        text.AppendLine($"| {"Measurement".PadRight(width)} | {string.Join(" | ", systems.Select(s => s.PadLeft(10)))} | {string.Join(" | ", Others.Select(o => $"vs {o}".PadLeft(11)))} |");
        text.AppendLine($"|{new string('-', width + 2)}|{string.Concat(systems.Select(_ => "-----------:|"))}{string.Concat(Others.Select(_ => "------------:|"))}");
        foreach (var row in rows)
        {
            var figures = systems.Select(s => row.Figures.TryGetValue(s, out var v) ? row.Format(v) : "");
            var ratios = Others.Select(o => row.Ratios && row.Figures.TryGetValue(Ours, out var ours) && row.Figures.TryGetValue(o, out var theirs)
                ? Ratio(ours, theirs) : "");
            text.AppendLine($"| {row.Measure.PadRight(width)} | {string.Join(" | ", figures.Select(f => f.PadLeft(10)))} | {string.Join(" | ", ratios.Select(r => r.PadLeft(11)))} |");
        }
    }

    /// <summary>The API beside each ceiling: what the same machine answers with nothing behind Kestrel, and with one XADD.</summary>
    private static void RenderHttp(IReadOnlyList<HttpResult> http, StringBuilder text)
    {
        var api = http.Single(h => h.JobsInRedis is not null);
        text.AppendLine("| HTTP POST /jobs target | req/s | CPU µs/request | API / target |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var target in http)
        {
            var ratio = ReferenceEquals(target, api) ? "" : Ratio(api.RequestsPerSecond, target.RequestsPerSecond);
            text.AppendLine($"| {target.Target} | {N(target.RequestsPerSecond)} | {D(target.CpuMicrosecondsPerRequest)} | {ratio} |");
        }
    }

    private static void AddEnqueue(BenchResults results, List<Row> rows)
    {
        // Each system's variants in order: one job per call (EnqueueAsync, add, Enqueue), then a batch per call
        // (EnqueueManyAsync, addBulk; Hangfire has none).
        var bySystem = results.Enqueue.GroupBy(e => e.System).ToDictionary(g => g.Key, g => g.ToList());
        if (!bySystem.TryGetValue(Ours, out var ours))
        {
            return;
        }

        for (var i = 0; i < ours.Count; i++)
        {
            var variant = bySystem.Where(s => s.Value.Count > i).ToDictionary(s => s.Key, s => s.Value[i]);
            rows.Add(new($"Library enqueue, jobs/s ({string.Join(" vs ", variant.Select(v => $"{v.Key} {v.Value.Variant}"))})",
                variant.ToDictionary(v => v.Key, v => v.Value.PerSecond), N));
            rows.Add(new("  Redis CPU µs/job (lower is better)", variant.ToDictionary(v => v.Key, v => v.Value.Redis.CpuMicroseconds), D));
            rows.Add(new("  Redis commands/job", variant.ToDictionary(v => v.Key, v => v.Value.Redis.Commands), D, Ratios: false));
            AddInstructions(variant.ToDictionary(v => v.Key, v => v.Value.Redis), rows);
        }
    }

    private static void AddDrain(BenchResults results, List<Row> rows)
    {
        foreach (var drain in results.Drain.GroupBy(d => d.Workers))
        {
            var first = drain.First();
            var fewer = string.Concat(drain.Where(d => d.Jobs != first.Jobs).Select(d => $" ({d.System}: {d.Jobs:N0})"));
            rows.Add(new($"Drain {first.Jobs:N0} jobs{fewer}, {first.Workers} worker(s) x {first.Concurrency}, jobs/s", drain.ToDictionary(d => d.System, d => d.PerSecond), N));
            rows.Add(new("  Redis CPU µs/job (lower is better)", drain.ToDictionary(d => d.System, d => d.Redis.CpuMicroseconds), D));
            rows.Add(new("  Worker CPU µs/job (lower is better)", drain.ToDictionary(d => d.System, d => d.WorkerCpuMicrosecondsPerJob), D));
            rows.Add(new("  Redis commands/job", drain.ToDictionary(d => d.System, d => d.Redis.Commands), D, Ratios: false));
            AddInstructions(drain.ToDictionary(d => d.System, d => d.Redis), rows);
        }
    }

    private static void AddShapedDrain(BenchResults results, List<Row> rows)
    {
        foreach (var shape in results.Settings.Shapes)
        {
            var drains = results.ShapedDrain.Where(d => d.Shape == shape.Name).ToList();
            if (drains.Count == 0)
            {
                continue;
            }

            var what = shape.RateMax is { } max
                ? $"Rate-limited drain ({max:N0} per {shape.RatePeriod!.Value.TotalSeconds:0.#} s)"
                : $"Weighted drain ({shape.Queues.Count} queues {string.Join(':', shape.Queues.Select(q => q.Weight))})";
            rows.Add(new($"{what}, {drains[0].Jobs:N0} jobs, {drains[0].Workers} workers x {drains[0].Concurrency}, jobs/s",
                drains.ToDictionary(d => d.System, d => d.PerSecond), N));
            rows.Add(new("  Redis CPU µs/job (lower is better)", drains.ToDictionary(d => d.System, d => d.Redis.CpuMicroseconds), D));
        }
    }

    private static void AddLatency(BenchResults results, List<Row> rows)
    {
        if (results.Latency.Count == 0)
        {
            return;
        }

        var latency = results.Latency.ToDictionary(l => l.System);
        var setting = $"{latency[Ours].PerSecond:N0} jobs/s, {latency[Ours].Workers} workers";
        rows.Add(new($"Enqueue-to-start p50, ms ({setting})", latency.ToDictionary(l => l.Key, l => l.Value.P50Ms), D));
        rows.Add(new("Enqueue-to-start p95, ms", latency.ToDictionary(l => l.Key, l => l.Value.P95Ms), D));
        rows.Add(new("Enqueue-to-start p99, ms", latency.ToDictionary(l => l.Key, l => l.Value.P99Ms), D));
        rows.Add(new("Enqueue-to-start max, ms", latency.ToDictionary(l => l.Key, l => l.Value.MaxMs), D));
        rows.Add(new($"  p99 in the workers' first {results.Settings.LatencyWarmUp.TotalSeconds:0.#} s (JIT warm-up), ms",
            latency.ToDictionary(l => l.Key, l => l.Value.WarmUpP99Ms), D));
        rows.Add(new("  Redis CPU µs/job at that rate (lower is better)", latency.ToDictionary(l => l.Key, l => l.Value.Redis.CpuMicroseconds), D));
    }

    /// <summary>The instructions Redis ran per job, and where, when the run counted them (<c>--profile-redis</c>).</summary>
    private static void AddInstructions(Dictionary<string, RedisCost> costs, List<Row> rows)
    {
        var labels = costs.Values.SelectMany(c => c.Instructions?.Keys ?? []).Distinct();
        foreach (var label in labels)
        {
            rows.Add(new($"  Redis instructions/job: {label}", costs.Where(c => c.Value.Instructions?.ContainsKey(label) == true)
                .ToDictionary(c => c.Key, c => c.Value.Instructions![label]), N));
        }
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string D(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Ratio(double ours, double theirs) =>
        theirs == 0 ? "" : (ours / theirs).ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
