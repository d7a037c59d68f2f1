using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// How fast the queue dashboard's pages answer with a large queue (<c>./bench.sh dashboard [jobs]</c>, default 100,000): a
/// fresh redis-server and an app of the benchmark's own that mounts the dashboard as a user's app does
/// (<c>MapJobQueueDashboard</c>), the queue filled with jobs of 1,000 owners and three types (one in a hundred "rare"), then
/// each page fetched as a browser first loads it: the full server-rendered HTML, with its rows. Prints the median and
/// slowest of 10 loads per page.
/// </summary>
public static class DashboardPages
{
    private const int Loads = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        await using var redis = await BenchRedis.StartAsync();
        var fill = Stopwatch.StartNew();
        var (firstId, createdAt) = await FillAsync(redis.ConnectionString, jobs);
        Console.WriteLine($"Dashboard pages with {jobs:N0} jobs in one queue (filled in {fill.Elapsed.TotalSeconds:F1} s), {Loads} loads each, server-rendered HTML:");

        await using var web = await StartDashboardAsync(redis.ConnectionString);
        var root = web.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(root + "/dashboard/") };
        var from = Uri.EscapeDataString(createdAt.AddSeconds(-1).UtcDateTime.ToString("s"));
        var until = Uri.EscapeDataString(createdAt.AddSeconds(1).UtcDateTime.ToString("s"));
        (string Page, string Path, string Expect)[] pages =
        [
            ("jobs, newest 50", "queues/jobs/jobs", "data-job="),
            ("jobs of one owner (0.1%)", "queues/jobs/jobs?owner=user-7", "data-job="),
            ("jobs of a rare type (1%)", "queues/jobs/jobs?type=rare", "data-job="),
            ("jobs of a status none has (worst page: 2,000 examined)", "queues/jobs/jobs?status=done", "no-jobs"),
            ("jobs created within 2 s of the first", $"queues/jobs/jobs?from={from}&until={until}", "data-job="),
            ("one job's page", $"jobs/{firstId}", "payload"),
            ("queues", "", "data-queue="),
            ("workers", "workers", "schedules"),
        ];
        Console.WriteLine();
        Console.WriteLine("| page | p50 ms | max ms |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (page, path, expect) in pages)
        {
            var times = new List<double>();
            for (var load = 0; load <= Loads; load++)
            {
                var watch = Stopwatch.StartNew();
                var html = await http.GetStringAsync(path);
                watch.Stop();
                if (!html.Contains(expect, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{path} did not render what it should ({expect}).");
                }

                if (load > 0) // the first load of each page warms its code paths up
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine($"| {page} | {times[times.Count / 2]:F1} | {times[^1]:F1} |");
        }

        await web.StopAsync();
        return 0;
    }

    /// <summary>An app that mounts the dashboard over the queue's Redis, as a team's own app does, on a free loopback port.</summary>
    private static async Task<WebApplication> StartDashboardAsync(string connectionString)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:redis"] = connectionString;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddJobQueue("redis");
        builder.Services.AddJobQueueDashboard();
        var app = builder.Build();
        app.MapJobQueueDashboard("/dashboard");
        await app.StartAsync();
        return app;
    }

    /// <summary>Fills the default queue; returns the first job's id and its creation time.</summary>
    private static async Task<(string Id, DateTimeOffset CreatedAt)> FillAsync(string connectionString, int jobs)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var options = Options.Create(new QueueOptions { Name = "jobs" });
        var store = new JobStore(connection, new QueueDirectory(connection, options), options);
        (string, DateTimeOffset)? first = null;
        for (var start = 0; start < jobs; start += 1000)
        {
            var batch = Enumerable.Range(start, Math.Min(1000, jobs - start)).Select(i => new NewJob(
                i % 100 == 0 ? "rare" : i % 2 == 0 ? "echo" : "report", $$"""{"n":{{i}}}""", Owner: $"user-{i % 1000}")).ToList();
            var results = await store.EnqueueManyAsync(batch);
            first ??= (results[0].Job.Id, results[0].Job.CreatedAt);
        }

        return first!.Value;
    }
}
