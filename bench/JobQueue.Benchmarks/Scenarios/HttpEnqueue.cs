using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using JobQueue.Benchmarks.Modes;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Benchmarks.Scenarios;

/// <summary>
/// <c>POST /jobs</c> under load from wrk (many connections): first the two ceilings (<see cref="KestrelCeiling"/>): bare
/// Kestrel, the most this machine's HTTP stack answers, and Kestrel with one XADD per request, the least an enqueue
/// writes; then the API with Redis behind it. Each is loaded for a
/// warm-up first: a freshly started .NET process spends its first seconds compiling its hot code.
/// </summary>
public static partial class HttpEnqueue
{
    private const string Body = """{"type":"noop","payload":{"t":0}}""";

    public static async Task<IReadOnlyList<HttpResult>> RunAsync(BenchRedis redis, BenchSettings settings)
    {
        var ceiling = await RunTargetAsync("Kestrel, nothing behind it", settings, AppContext.BaseDirectory,
            [typeof(KestrelCeiling).Assembly.Location, "ceiling"], "/health", [],
            (name, url) => WrkAsync(name, url, settings.HttpDuration, settings));
        var xadd = await RunTargetAsync("Kestrel + one XADD", settings, AppContext.BaseDirectory,
            [typeof(KestrelCeiling).Assembly.Location, "ceiling", "--xadd"], "/health",
            new() { ["ConnectionStrings__redis"] = redis.ConnectionString },
            (name, url) => WrkAsync(name, url, settings.HttpDuration, settings));

        var api = await RunTargetAsync("JobQueue API", settings, Path.GetDirectoryName(ApiAssembly)!, [ApiAssembly],
            "/queue", // /health is mapped in Development only, as in Aspire's service defaults
            new()
            {
                // As a deployed API runs, and as the API has always been measured here.
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__redis"] = redis.ConnectionString,
                ["Api__AllowAnonymous"] = "true",
                ["Api__SubmitRateLimit"] = "1000000",
            },
            async (name, url) =>
            {
                // Only the measured run's jobs are counted (and checked against its accepted requests).
                await redis.FlushAsync();
                var meter = await redis.StartMeterAsync();
                var result = await WrkAsync(name, url, settings.HttpDuration, settings);
                var jobs = await redis.Admin.GetDatabase().SortedSetLengthAsync(new QueueKeys(new QueueOptions().Name).Jobs);
                return result with { JobsInRedis = jobs, Redis = await meter.StopAsync(Math.Max(1, jobs)) };
            });
        Console.WriteLine($"  http     API wrote {api.JobsInRedis:N0} jobs for {api.Requests - api.Errors:N0} accepted requests; Redis {api.Redis!.CpuMicroseconds} µs/job");
        return [ceiling, xadd, api];
    }

    /// <summary>JobQueue.Api's assembly, built beside the benchmark (a ProjectReference of it), as recorded at build time.</summary>
    private static string ApiAssembly => typeof(HttpEnqueue).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ApiAssembly").Value!;

    /// <summary>
    /// Starts <c>dotnet <paramref name="args"/></c> on a free loopback port, waits until <paramref name="readyPath"/>
    /// answers, loads it for the warm-up, then measures it, with the CPU its process spent per request.
    /// </summary>
    private static async Task<HttpResult> RunTargetAsync(string name, BenchSettings settings, string workingDirectory, string[] args,
        string readyPath, Dictionary<string, string> environment, Func<string, Uri, Task<HttpResult>> measure)
    {
        var root = new Uri($"http://127.0.0.1:{LocalRedis.FreePort()}");
        environment["ASPNETCORE_URLS"] = root.GetLeftPart(UriPartial.Authority);
        await using var target = await ServiceProcess.StartAsync("dotnet", workingDirectory, args, environment);
        await target.WaitForHttpAsync(new Uri(root, readyPath), TimeSpan.FromSeconds(60));
        var jobsUrl = new Uri(root, "/jobs");
        await WrkAsync(name, jobsUrl, settings.HttpWarmUp, settings);
        var cpuBefore = ProcessCpu.Seconds(target.Pid);
        var result = await measure(name, jobsUrl);
        result = result with { CpuMicrosecondsPerRequest = Math.Round((ProcessCpu.Seconds(target.Pid) - cpuBefore) * 1e6 / Math.Max(1, result.Requests), 1) };
        Console.WriteLine($"  http     {name,-26} {result.RequestsPerSecond,9:N0} req/s  {result.CpuMicrosecondsPerRequest} µs CPU/request  ({result.Errors} errors or non-2xx)");
        return result;
    }

    private static async Task<HttpResult> WrkAsync(string name, Uri url, TimeSpan duration, BenchSettings settings)
    {
        var script = Path.Combine(Path.GetTempPath(), $"jobqueue-bench-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script,
            $"wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = '{Body}'\n");
        try
        {
            var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-t2", $"-c{settings.HttpConnections}", $"-d{duration.TotalSeconds}s", "-s", script, url.ToString() })
            {
                info.ArgumentList.Add(arg);
            }

            using var wrk = Process.Start(info)!;
            var output = await wrk.StandardOutput.ReadToEndAsync();
            await wrk.WaitForExitAsync();
            if (wrk.ExitCode != 0)
            {
                throw new InvalidOperationException($"wrk exited with {wrk.ExitCode}: {output}{await wrk.StandardError.ReadToEndAsync()}");
            }

            var requests = long.Parse(Requests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var non2xx = Non2xx().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var socketErrors = SocketErrors().Matches(output).Sum(e => long.Parse(e.Groups[1].Value, CultureInfo.InvariantCulture));
            var perSecond = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            return new HttpResult(name, Math.Round(perSecond), requests, non2xx + socketErrors, 0, null, null);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex SocketErrors();
}
