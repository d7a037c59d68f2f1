using System.Text.RegularExpressions;
using JobQueue.Tests.Engine;
using JobQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace JobQueue.Tests.QueueDashboard;

/// <summary>
/// The queue dashboard mounted in a team's app that has no telemetry at all (no exporter, no trace store, no AppHost), in a
/// real headless Chromium: a job's page tells each of its attempts, and the Workers page each worker process, from what
/// the scripts and the workers recorded in Redis.
/// </summary>
public sealed class AttemptHistoryPageTests(RedisServerFixture redis, BrowserFixture browser)
    : IClassFixture<RedisServerFixture>, IClassFixture<BrowserFixture>
{
    private readonly string _queue = "pages-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>What an AppHost gives replica 7 of its "billing-workers" resource.</summary>
    private static readonly Dictionary<string, string?> BillingWorker = new()
    {
        ["OTEL_SERVICE_NAME"] = "billing-workers",
        ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=billing-workers-7",
    };

    [Fact]
    public async Task A_job_that_failed_once_then_succeeded_shows_both_attempts_and_the_worker_that_ran_each()
    {
        using var worker = await InProcessWorker.StartAsync(redis, _queue,
            handlers => handlers.AddHandler<AttemptHistoryTests.FailsFirstRunHandler>("flaky"), settings: BillingWorker);
        await using var app = await MountedDashboardApp.StartAsync(redis.ConnectionString, web => web.MapJobQueueDashboard("/dashboard"),
            app => app.Configuration["Queue:Name"] = _queue); // the deployment's default queue, as its workers have it
        var store = worker.Services.GetRequiredService<JobStore>();
        var job = (await store.EnqueueAsync("flaky", "{}")).Job;
        Assert.Equal(JobStatus.Done, (await InProcessWorker.WaitForEndAsync(store, job.Id)).Status);
        var pages = new QueueDashboardPages(browser, new Uri(app.Root, "/dashboard/"));
        var page = await pages.NewPageAsync();

        await pages.GoToAsync(page, $"/jobs/{job.Id}");

        var rows = page.Locator("#attempts tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0).Locator("[data-status]")).ToHaveTextAsync(JobAttempt.Retrying);
        await Assertions.Expect(rows.Nth(0).Locator("td.error")).ToHaveTextAsync("InvalidOperationException: run 1 fails on purpose");
        await Assertions.Expect(rows.Nth(1).Locator("[data-status]")).ToHaveTextAsync(JobAttempt.Succeeded);
        await Assertions.Expect(rows.Nth(1).Locator("td.error")).ToBeEmptyAsync();
        foreach (var row in new[] { rows.Nth(0), rows.Nth(1) })
        {
            await Assertions.Expect(row.Locator("[data-worker]")).ToHaveTextAsync($"billing-workers / billing-workers-7 on {Environment.MachineName}");
        }

        await BrowserFixture.ScreenshotAsync(page, "queue-dashboard-attempts");
    }

    [Fact]
    public async Task The_workers_page_lists_each_worker_process_by_pool_instance_and_host_and_shows_it_stopped_when_it_stops()
    {
        var worker = await InProcessWorker.StartAsync(redis, _queue,
            handlers => handlers.AddHandler<AttemptHistoryTests.FailsFirstRunHandler>("flaky"), settings: BillingWorker);
        await using var app = await MountedDashboardApp.StartAsync(redis.ConnectionString, web => web.MapJobQueueDashboard("/dashboard"),
            app => app.Configuration["Queue:Name"] = _queue); // the deployment's default queue, as its workers have it
        var pages = new QueueDashboardPages(browser, new Uri(app.Root, "/dashboard/"));
        var page = await pages.NewPageAsync();
        var consumer = $"{Environment.MachineName}-{Environment.ProcessId}";
        // A worker joins its queue's consumer group when it first takes a job.
        var store = worker.Services.GetRequiredService<JobStore>();
        await InProcessWorker.WaitForEndAsync(store, (await store.EnqueueAsync("flaky", "{}")).Job.Id);

        await pages.GoToAsync(page, "/workers");

        var process = page.Locator($"#worker-processes tr[data-process='{consumer}']");
        await Assertions.Expect(process.Locator("td")).ToHaveTextAsync(new Regex[]
        {
            Exactly("billing-workers"), Exactly("billing-workers-7"), Exactly(Environment.MachineName), Exactly(Environment.ProcessId.ToString()),
            new(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$"), new(@"^[0-9.]+ (µs|ms|s) ago$"), Exactly("running"), Exactly(_queue),
        });
        await Assertions.Expect(page.Locator($"table[data-consumers='{_queue}'] tr[data-consumer='{consumer}'] [data-worker]"))
            .ToHaveTextAsync($"billing-workers / billing-workers-7 on {Environment.MachineName}");

        await worker.StopAsync();
        worker.Dispose();

        // The page redraws itself: no reload.
        await Assertions.Expect(process.Locator("[data-state]")).ToHaveTextAsync("stopped", new() { Timeout = 15_000 });
    }

    private static Regex Exactly(string text) => new("^" + Regex.Escape(text) + "$");
}
