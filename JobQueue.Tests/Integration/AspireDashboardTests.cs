using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using JobQueue.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The real Aspire dashboard of the real AppHost (run as its own process, as <c>./run.sh</c> runs it): logged in to
/// from the link the AppHost prints, it lists the app's resources (each queue among them, with its figures and commands)
/// and shows a job's trace across the API and a worker;
/// and its telemetry API, read by <see cref="AspireDashboardTelemetry"/>, gives the same trace and the worker's logs.
/// One AppHost for the class (a start is about 20 s).
/// </summary>
[TakesAbout(40)]
public sealed class AspireDashboardTests(AspireDashboardTests.AppHostFixture app, BrowserFixture browser, ITestOutputHelper output)
    : IClassFixture<AspireDashboardTests.AppHostFixture>, IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    /// <summary>For the dashboard's live pages: telemetry arrives in batches, seconds after the fact.</summary>
    private const float PageTimeoutMs = 30_000;

    [Fact]
    public async Task The_dashboard_logs_in_from_the_printed_link_lists_the_apps_resources_and_shows_a_jobs_trace_across_api_and_worker()
    {
        await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
        var page = await context.NewPageAsync();
        var dashboard = app.LoginUrl.GetLeftPart(UriPartial.Authority);

        // Not logged in, the dashboard shows nothing but its login page.
        await page.GotoAsync(dashboard + "/traces");
        Assert.StartsWith(dashboard + "/login", page.Url, StringComparison.Ordinal);

        // The printed link logs in and opens the resources page: Redis, the API, the 3 workers and the emails worker, running.
        await page.GotoAsync(app.LoginUrl.ToString());
        await Assertions.Expect(page).ToHaveURLAsync(dashboard + "/", new() { Timeout = PageTimeoutMs });
        ILocator Running(string titleSelector) => page.Locator($"tr.resource-row:has(td{titleSelector}):has(td[title='Running'])");
        await AspireDashboardPage.ExpectVisibleAsync(page, Running("[title='Executable: redis']"), TimeSpan.FromMilliseconds(PageTimeoutMs));
        await Assertions.Expect(Running("[title='Project: api']")).ToBeVisibleAsync();
        await Assertions.Expect(Running("[title='Project: emails-worker']")).ToBeVisibleAsync();
        await Assertions.Expect(Running("[title^='Project: worker-']")).ToHaveCountAsync(3);
        await BrowserFixture.ScreenshotAsync(page, "aspire-dashboard-resources");

        var jobId = await app.SubmitEchoJobAsync();
        var traceId = await app.QueueDashboardTraceIdAsync(jobId);

        // The traces page lists the job's trace, with spans of the API and of a worker.
        await page.GotoAsync(dashboard + "/traces");
        var trace = page.Locator($"tr:has(td[title*='Trace Id: {traceId}'])");
        await Assertions.Expect(trace).ToBeVisibleAsync(new() { Timeout = PageTimeoutMs });
        await Assertions.Expect(trace.Locator(".trace-service-tag[title^='api spans']")).ToBeVisibleAsync(new() { Timeout = PageTimeoutMs });
        await Assertions.Expect(trace.Locator(".trace-service-tag[title^='worker-']")).ToBeVisibleAsync(new() { Timeout = PageTimeoutMs });

        // Opened, it shows the API's request and the worker's handler span.
        await trace.Locator("td[title^='Name:']").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{dashboard}/traces/detail/{traceId}", new() { Timeout = PageTimeoutMs });
        await Assertions.Expect(page.Locator("td[title='api: POST /jobs/']")).ToBeVisibleAsync(new() { Timeout = PageTimeoutMs });
        await Assertions.Expect(page.Locator("td[title^='worker-'][title$=': handle echo']")).ToBeVisibleAsync(new() { Timeout = PageTimeoutMs });
        await BrowserFixture.ScreenshotAsync(page, "aspire-dashboard-trace");
    }

    [Fact]
    public async Task Each_queue_is_a_resource_under_redis_with_its_figures_and_its_Pause_button_pauses_it_until_Resume()
    {
        await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
        var page = await context.NewPageAsync();
        using var http = app.AppHost.CreateApiClient();
        await page.GotoAsync(app.LoginUrl.ToString());

        var emails = page.Locator("tr.resource-row:has(td[title='JobQueue: emails'])");
        await AspireDashboardPage.ExpectVisibleAsync(page, emails.Locator("td[title='Running']"), TimeSpan.FromMilliseconds(PageTimeoutMs));
        await Assertions.Expect(page.Locator("tr.resource-row:has(td[title='JobQueue: jobs']) td[title='Running']")).ToBeVisibleAsync();
        var queuePage = emails.Locator("a:text('Queue dashboard')");
        Assert.Equal($"http://localhost:{app.AppHost.ApiPort}/dashboard/queues/emails/jobs", await queuePage.GetAttributeAsync("href"));
        try
        {
            // Paused from its row, the queue starts nothing: what is sent to it waits, and the row says so.
            await RunFromActionsMenuAsync(page, emails, "Pause");
            await AspireDashboardPage.ExpectVisibleAsync(page, emails.Locator("td[title='Paused']"), TimeSpan.FromMilliseconds(PageTimeoutMs));
            Assert.True((await http.GetFromJsonAsync<JsonElement>("/queues/emails")).GetProperty("paused").GetBoolean());
            var ids = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                using var submitted = await http.PostAsJsonAsync("/jobs", new { queue = "emails", type = "echo", payload = new { i } });
                ids.Add((await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
            }

            await AspireDashboardPage.ExpectVisibleAsync(page, emails.Locator("td[title^='redis: emails · 2 waiting · 0 running · '][title$=' · paused']"),
                TimeSpan.FromMilliseconds(PageTimeoutMs));
            await BrowserFixture.ScreenshotAsync(page, "aspire-dashboard-queue-paused");

            await RunFromActionsMenuAsync(page, emails, "Resume");
            await AspireDashboardPage.ExpectVisibleAsync(page, emails.Locator("td[title='Running']"), TimeSpan.FromMilliseconds(PageTimeoutMs));
            foreach (var id in ids)
            {
                await Eventually.WaitAsync(() => http.GetFromJsonAsync<JsonElement>($"/jobs/{id}"),
                    job => job.GetProperty("status").GetString() == "done", Timeout, $"job {id} to be done after Resume");
            }
        }
        finally
        {
            await http.PostAsync("/queues/emails/resume", null);
        }
    }

    /// <summary>Runs a resource's command from its row's Actions menu (Pause and Resume are also the row's own buttons).</summary>
    private static async Task RunFromActionsMenuAsync(IPage page, ILocator row, string command)
    {
        await row.Locator("fluent-button[title='Actions']").ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = command, Exact = true }).ClickAsync();
    }

    [Fact]
    public async Task The_telemetry_api_gives_a_jobs_trace_with_the_api_and_worker_spans_and_the_workers_log_line()
    {
        var jobId = await app.SubmitEchoJobAsync();
        var linkedTrace = await app.QueueDashboardTraceIdAsync(jobId);
        var telemetry = app.Telemetry;
        var waited = System.Diagnostics.Stopwatch.StartNew();

        var traceId = await Eventually.WaitAsync(() => telemetry.TraceIdOfJobAsync(jobId), id => id is not null, Timeout, "a span of the job");
        Assert.Equal(linkedTrace, traceId);
        // "complete" is the worker's last span of the job; the API's request span comes in the API's own export batch.
        var spans = await Eventually.WaitAsync(() => telemetry.TraceAsync(traceId!),
            s => s.Any(span => span.Resource == "worker" && span.Name == "complete") && s.Any(span => span.Resource == "api" && span.Kind == 2),
            Timeout, "the API's and the worker's spans of the job");
        output.WriteLine($"The whole trace read {waited.Elapsed.TotalSeconds:F1} s after the job was done: {string.Join(", ", spans)}");

        Assert.All(spans, span => Assert.Equal(traceId, span.TraceId));
        var request = Assert.Single(spans, span => span.Resource == "api" && span.Kind == 2);
        Assert.Equal("POST /jobs/", request.Name);
        Assert.Equal("202", request.Attribute("http.response.status_code"));
        var enqueue = Assert.Single(spans, span => span.Name == "enqueue echo");
        Assert.Equal(("api", request.SpanId, jobId), (enqueue.Resource, enqueue.ParentSpanId, enqueue.Attribute("jobqueue.job.id")));
        var process = Assert.Single(spans, span => span.Name == "process echo");
        Assert.Equal(("worker", enqueue.SpanId, jobId, "1"),
            (process.Resource, process.ParentSpanId, process.Attribute("jobqueue.job.id"), process.Attribute("jobqueue.job.attempt")));
        Assert.False(string.IsNullOrEmpty(process.ResourceInstance));
        var handle = Assert.Single(spans, span => span.Name == "handle echo");
        Assert.Equal(("worker", process.ResourceInstance, process.SpanId), (handle.Resource, handle.ResourceInstance, handle.ParentSpanId));

        // The worker's log line of the job, in its trace; read from every worker replica, and from no other resource.
        var done = $"Job {jobId} (echo) done on attempt 1";
        var line = Assert.Single(await Eventually.WaitAsync(() => telemetry.LogsAsync("worker", done), logs => logs.Count > 0, Timeout, "the worker's log line"));
        Assert.Equal(("worker", process.ResourceInstance, traceId, jobId), (line.Resource, line.ResourceInstance, line.TraceId, line.Attributes["JobId"]));
        Assert.StartsWith(done + " in ", line.Message, StringComparison.Ordinal);
        Assert.Empty(await telemetry.LogsAsync("api", done));
        Assert.Empty(await telemetry.LogsAsync("emails-worker", done));
        Assert.Equal(["api", "emails-worker", "worker"], (await telemetry.ResourcesAsync()).Select(r => r.Name).Distinct().Order());
    }

    [Fact]
    public async Task The_telemetry_api_refuses_a_wrong_key_and_a_wrong_browser_token()
    {
        using var wrongKey = new AspireDashboardTelemetry(app.Telemetry.Dashboard, "not-the-key");
        await Assert.ThrowsAsync<InvalidOperationException>(() => wrongKey.ResourcesAsync());
        using var noKey = new AspireDashboardTelemetry(app.Telemetry.Dashboard, apiKey: null);
        await Assert.ThrowsAsync<InvalidOperationException>(() => noKey.TraceAsync("0123456789abcdef0123456789abcdef"));
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => AspireDashboardTelemetry.FromLoginUrlAsync(new Uri(app.Telemetry.Dashboard, "/login?t=not-the-token")));

        Assert.NotEmpty(await app.Telemetry.ResourcesAsync());
    }

    /// <summary>The real AppHost, run once for the class, with a client of its dashboard's telemetry API.</summary>
    public sealed class AppHostFixture : IAsyncLifetime
    {
        private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "hd-aspire-dashboard-" + Guid.NewGuid().ToString("N"));
        private AppHostProcess? _appHost;

        public AppHostProcess AppHost => _appHost!;

        /// <summary>The dashboard's login link, as the AppHost printed it.</summary>
        public Uri LoginUrl { get; private set; } = null!;

        public AspireDashboardTelemetry Telemetry { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _appHost = new AppHostProcess(_dataDirectory, LocalRedis.FreePort());
            try
            {
                await _appHost.ProcessesOnceServingAsync();
                LoginUrl = (await Eventually.WaitAsync(() => Task.FromResult(AspireDashboardTelemetry.LoginUrlIn(_appHost.Output)),
                    url => url is not null, Timeout, "the AppHost to print the dashboard's login link"))!;
                Telemetry = await AspireDashboardTelemetry.FromLoginUrlAsync(LoginUrl);
            }
            catch
            {
                _appHost.Dispose();
                throw;
            }
        }

        /// <summary>Posts an echo job (<c>{"type":"echo","payload":{"a":1}}</c>) and waits until it is done; its id.</summary>
        public async Task<string> SubmitEchoJobAsync()
        {
            using var http = AppHost.CreateApiClient();
            using var submitted = await http.PostAsJsonAsync("/jobs", new { type = "echo", payload = new { a = 1 } });
            submitted.EnsureSuccessStatusCode();
            var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
            await Eventually.WaitAsync(() => http.GetFromJsonAsync<JsonElement>($"/jobs/{id}"),
                job => job.GetProperty("status").GetString() == "done", Timeout, $"job {id} to be done");
            return id;
        }

        /// <summary>The trace the queue dashboard's job page links to in the Aspire dashboard (from the job's traceparent).</summary>
        public async Task<string> QueueDashboardTraceIdAsync(string jobId)
        {
            using var http = AppHost.CreateApiClient();
            var page = await http.GetStringAsync($"/dashboard/jobs/{jobId}");
            var link = Regex.Match(page, $@"{Regex.Escape(LoginUrl.GetLeftPart(UriPartial.Authority))}/traces/detail/([0-9a-f]{{32}})");
            Assert.True(link.Success, $"The job page of {jobId} links no trace in the Aspire dashboard");
            return link.Groups[1].Value;
        }

        public Task DisposeAsync()
        {
            Telemetry?.Dispose();
            _appHost?.Dispose();
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }

            return Task.CompletedTask;
        }
    }
}
