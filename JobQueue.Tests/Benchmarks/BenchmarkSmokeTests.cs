using JobQueue.Tests.Infrastructure;
using System.Text.Json;
using Xunit.Abstractions;

namespace JobQueue.Tests.Benchmarks;

/// <summary>
/// Runs the whole benchmark (bench/: JobQueue, BullMQ and Hangfire) at tiny sizes, so it keeps working as the code
/// changes. It checks the harness measured something real for every scenario; the figures are not judged.
/// </summary>
[TakesAbout(80)]
public sealed class BenchmarkSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Profiling_redis_counts_each_systems_instructions_per_drained_job_and_keeps_the_dump()
    {
        var outputDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-bench-profile-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exitCode, console) = await Dotnet.RunAsync([BuiltProject.AssemblyOf<Projects.JobQueue_Benchmarks>(), "--smoke",
                "--only", "drain", "--workers", "1", "--systems", "JobQueue,BullMQ", "--profile-redis", "--out", outputDirectory], TimeSpan.FromMinutes(3));
            output.WriteLine(console);
            Assert.True(exitCode == 0, $"the benchmark exited with {exitCode}:\n{console}");

            using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputDirectory, "results.json")));
            var drains = results.RootElement.GetProperty("drain").EnumerateArray().ToList();
            Assert.Equal(["BullMQ", "JobQueue"], drains.Select(d => d.GetProperty("system").GetString()).Order());
            Assert.All(drains, drain =>
            {
                var instructions = drain.GetProperty("redis").GetProperty("instructions");
                var all = instructions.GetProperty("Redis in all").GetDouble();
                var scripts = instructions.GetProperty("scripts (EVALSHA), in all").GetDouble();
                // Both systems' work is scripts; a no-op job costs Redis tens of thousands of instructions, not none.
                Assert.InRange(scripts, 10_000, all);
            });
            Assert.Contains("Redis instructions/job: XREADGROUP", console);
            Assert.True(File.Exists(Path.Combine(outputDirectory, "redis-callgrind.2.out")), "the second drain's dump is kept");
        }
        finally
        {
            if (Directory.Exists(outputDirectory))
            {
                Directory.Delete(outputDirectory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Benchmark_runs_every_measurement_for_every_system_and_writes_its_results()
    {
        var outputDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-bench-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exitCode, console) = await Dotnet.RunAsync(
                [BuiltProject.AssemblyOf<Projects.JobQueue_Benchmarks>(), "--smoke", "--out", outputDirectory], TimeSpan.FromMinutes(5));
            output.WriteLine(console);
            Assert.True(exitCode == 0, $"the benchmark exited with {exitCode}:\n{console}");

            using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputDirectory, "results.json")));
            var root = results.RootElement;
            foreach (var scenario in new[] { "enqueue", "drain", "latency" })
            {
                var systems = root.GetProperty(scenario).EnumerateArray().Select(r => r.GetProperty("system").GetString()).Distinct();
                Assert.Equal(["BullMQ", "Hangfire", "JobQueue"], systems.Order());
            }

            Assert.All(root.GetProperty("enqueue").EnumerateArray(), r => Assert.True(r.GetProperty("per_second").GetDouble() > 0));
            Assert.All(root.GetProperty("drain").EnumerateArray(), r =>
            {
                Assert.True(r.GetProperty("per_second").GetDouble() > 0);
                Assert.True(r.GetProperty("redis").GetProperty("cpu_microseconds").GetDouble() > 0);
            });
            Assert.All(root.GetProperty("latency").EnumerateArray(), r =>
                Assert.InRange(r.GetProperty("p99_ms").GetDouble(), r.GetProperty("p50_ms").GetDouble(), double.MaxValue));

            // Every request the API accepted is a job in Redis (a few more may be written as wrk stops mid-request).
            var http = root.GetProperty("http").EnumerateArray().ToList();
            var api = http.Single(h => h.GetProperty("jobs_in_redis").ValueKind == JsonValueKind.Number);
            Assert.True(api.GetProperty("jobs_in_redis").GetInt64() >= api.GetProperty("requests").GetInt64() - api.GetProperty("errors").GetInt64());
            // Beside the API, both ceilings (nothing behind Kestrel; one XADD), each with its CPU per request.
            Assert.Equal(3, http.Count);
            Assert.All(http, h => Assert.True(h.GetProperty("cpu_microseconds_per_request").GetDouble() > 0, h.ToString()));
            Assert.Contains("| Kestrel + one XADD |", console);

            var chart = await File.ReadAllTextAsync(Path.Combine(outputDirectory, "drain.svg"));
            Assert.Contains("<polyline", chart);
            Assert.Contains("BullMQ", chart);
            Assert.Contains("Hangfire", chart);
        }
        finally
        {
            if (Directory.Exists(outputDirectory))
            {
                Directory.Delete(outputDirectory, recursive: true);
            }
        }
    }
}
