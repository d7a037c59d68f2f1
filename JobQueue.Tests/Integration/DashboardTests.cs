using System.Net;
using JobQueue.Hosting.Dashboard;
using JobQueue.Hosting.Dashboard.Telemetry;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace JobQueue.Tests.Integration;

/// <summary>The dashboard as a person uses it, in a real headless Chromium against the running app.</summary>
[Collection(AppCollection.Name)]
public sealed class DashboardTests(AppFixture app, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    private DashboardEndpoints Dashboard => app.App.Services.GetRequiredService<DashboardEndpoints>();

    private DashboardPages Pages => new(browser, Dashboard);

    [Fact]
    public async Task Without_the_token_every_page_sends_you_to_the_login_and_a_wrong_token_is_refused()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Dashboard.Dashboard };
        foreach (var path in new[] { "/", "/traces", "/structuredlogs", "/autoscaling", "/consolelogs/worker-0" })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery);
        }

        using var wrong = await http.GetAsync("/login?t=not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var page = await NewPageAsync(loggedIn: false);
        await page.GotoAsync(new Uri(Dashboard.Dashboard, "/traces").ToString());
        await Assertions.Expect(page.Locator("#token")).ToBeVisibleAsync();
        await page.FillAsync("#token", Dashboard.BrowserToken);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Resources");
    }

    [Fact]
    public async Task The_resources_page_shows_redis_the_api_and_every_worker_replica_running()
    {
        var page = await NewPageAsync();

        foreach (var replica in new[] { "redis", "api-0", "api-1", "worker-0", "worker-1", "worker-2" })
        {
            var row = page.Locator($"tr[data-replica='{replica}']");
            await Assertions.Expect(row.Locator("[data-state]")).ToHaveTextAsync("Running", new() { Timeout = 30_000 });
        }

        await Assertions.Expect(page.Locator("tr[data-replica='api-0'] a[href^='http://127.0.0.1']")).ToBeVisibleAsync();
        await page.Locator("tr[data-replica='api-0'] a", new() { HasTextString = "Environment" }).ClickAsync();
        var env = page.Locator("table.env");
        await Assertions.Expect(env).ToContainTextAsync("OTEL_SERVICE_NAME");
        await Assertions.Expect(env).Not.ToContainTextAsync("password=");
        await BrowserFixture.ScreenshotAsync(page, "resources");
    }

    [Fact]
    public async Task A_submitted_job_appears_live_as_one_trace_from_the_api_into_the_worker()
    {
        var page = await NewPageAsync();
        await GoToAsync(page, "/traces");

        // Submitted after the page opened: the row must arrive without a reload.
        var jobId = await app.SubmitAsync(new { payload = new { traced = true } });
        await app.WaitForTerminalAsync(jobId, Timeout);
        var traceId = await app.TraceIdOfAsync(jobId);
        await Assertions.Expect(page.Locator($"tr[data-trace='{traceId}']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "traces");
        await page.Locator($"tr[data-trace='{traceId}'] a").ClickAsync();

        var waterfall = page.Locator("#waterfall");
        await Assertions.Expect(waterfall.Locator("[data-resource='api'][data-span='enqueue echo']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        foreach (var span in new[] { "process echo", "claim", "handle echo", "complete" })
        {
            await Assertions.Expect(waterfall.Locator($"[data-resource='worker'][data-span='{span}']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }

        await BrowserFixture.ScreenshotAsync(page, "trace");
        // The worker's log line about this job carries the job's trace id.
        var log = await Eventually.WaitAsync(
            () => Task.FromResult(app.App.Services.GetRequiredService<TelemetryStore>().Logs("worker", text: $"Job {jobId}")),
            logs => logs.Count > 0, Timeout, "the worker's log line for the job");
        Assert.Equal(traceId, log[0].TraceId);
    }

    [Fact]
    public async Task The_console_page_shows_what_a_worker_printed()
    {
        var page = await NewPageAsync();

        await GoToAsync(page, "/consolelogs/worker-0");

        await Assertions.Expect(page.Locator("#console")).ToContainTextAsync("reading jobs with concurrency", new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "console");
    }

    [Fact]
    public async Task Structured_logs_metrics_and_the_queue_show_the_work_done()
    {
        var jobId = await app.SubmitAsync(new { payload = new { logged = true } });
        await app.WaitForTerminalAsync(jobId, Timeout);
        var page = await NewPageAsync();

        await GoToAsync(page, "/structuredlogs");
        await page.FillAsync("#log-filter", jobId);
        await Assertions.Expect(page.Locator("#logs tbody")).ToContainTextAsync($"Job {jobId} (echo) done on attempt 1", new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "structured-logs");

        await GoToAsync(page, "/metrics");
        await page.SelectOptionAsync("select >> nth=0", "worker");
        await page.SelectOptionAsync("#instrument", "jobqueue.jobs.completed");
        // A flat line (no job in an interval) has no height, so "drawn" is the check, not "visible".
        await Assertions.Expect(page.Locator("figure.chart svg")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("figure.chart polyline").First).ToBeAttachedAsync();
        await BrowserFixture.ScreenshotAsync(page, "metrics");

        // Queues are the queue dashboard's, mounted in the API: the AppHost's dashboard links to it.
        var queues = await page.Locator("#queue-dashboard").GetAttributeAsync("href");
        Assert.Equal(new Uri(app.Api.BaseAddress!, "/dashboard").ToString(), queues);
        await page.GotoAsync(queues!);
        await QueueDashboardPages.WaitUntilReadyAsync(page);
        await Assertions.Expect(page.Locator("#queues tr[data-queue='jobs']")).ToBeVisibleAsync();
        await page.FillAsync("#job-id", jobId);
        await page.PressAsync("#job-id", "Enter");
        await Assertions.Expect(page.Locator("#job")).ToContainTextAsync("done");
        await Assertions.Expect(page.Locator("#job-trace")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "queue-job");
    }

    [Fact]
    public async Task Restarting_a_worker_from_the_page_brings_it_back_as_a_new_process()
    {
        var before = app.App.ResourceNotifications.GetReplica("worker-1")!.Pid;
        var page = await NewPageAsync();
        var row = page.Locator("tr[data-replica='worker-1']");
        await Assertions.Expect(row.Locator("[data-state]")).ToHaveTextAsync("Running", new() { Timeout = 30_000 });

        await row.Locator("[data-command='restart']").ClickAsync();

        await Eventually.WaitAsync(() => Task.FromResult(app.App.ResourceNotifications.GetReplica("worker-1")!),
            r => r.State == KnownResourceStates.Running && r.Pid != before, Timeout, "worker-1 to run as a new process");
        var after = app.App.ResourceNotifications.GetReplica("worker-1")!.Pid;
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync(after.ToString()!, new() { Timeout = 10_000 });
        await Assertions.Expect(row.Locator("[data-state]")).ToHaveTextAsync("Running");
        await BrowserFixture.ScreenshotAsync(page, "resources-after-restart");
    }

    private Task<IPage> NewPageAsync(bool loggedIn = true) => Pages.NewPageAsync(loggedIn);

    private Task GoToAsync(IPage page, string path) => Pages.GoToAsync(page, path);
}
