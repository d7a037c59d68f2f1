using System.Net;
using System.Net.Http.Json;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace JobQueue.Tests.Integration;

/// <summary>
/// An operator working from the queue dashboard mounted in the API (the JobQueue.Dashboard package at /dashboard) in a
/// real headless Chromium: each action changes the job in Redis and on the open page without a reload; the pages find
/// jobs and show a job's whole story, its trace a link into the AppHost's dashboard; an action without the page's
/// antiforgery token is refused.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class DashboardActionTests(AppFixture app, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private Uri Root => new(app.Api.BaseAddress!, "/dashboard/");

    private QueueDashboardPages Pages => new(browser, Root);

    [Fact]
    public async Task Retrying_a_failed_job_from_its_page_queues_it_again_and_the_page_shows_its_history_without_a_reload()
    {
        var jobId = await app.SubmitAsync(new { type = "fail", payload = new { why = "dashboard retry" } });
        await app.WaitForStatusAsync(jobId, Timeout, "failed");
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, $"/jobs/{jobId}");
        await Assertions.Expect(page.Locator("#error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#history")).Not.ToBeAttachedAsync();

        await page.Locator("#job-actions button", new() { HasTextString = "Retry" }).ClickAsync();

        await Assertions.Expect(page.Locator("#action-status")).ToHaveTextAsync($"Job {jobId} is queued again.");
        // The retry is kept in the job's history (it then fails again: the handler always does).
        Assert.NotNull((string?)await app.Db.HashGetAsync(app.Keys.Job(jobId), "history"));
        await Assertions.Expect(page.Locator("#history")).ToContainTextAsync("failed", new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task Canceling_a_running_job_from_the_jobs_list_stops_it_after_a_confirmation()
    {
        // Long enough to be running still when a loaded machine has opened the page (its own time limit allows it).
        var jobId = await app.SubmitAsync(new { type = "sleep", payload = new { ms = 20_000 }, timeout_ms = 30_000 });
        await app.WaitForStatusAsync(jobId, Timeout, "processing");
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, "/jobs?status=processing");
        var row = page.Locator($"tr[data-job='{jobId}']");
        string? asked = null;
        page.Dialog += async (_, dialog) => { asked = dialog.Message; await dialog.AcceptAsync(); };

        await row.Locator("button", new() { HasTextString = "Cancel" }).ClickAsync();

        await Assertions.Expect(page.Locator("#action-status")).ToHaveTextAsync($"Job {jobId} is canceled.");
        Assert.Equal($"Cancel job {jobId}?", asked);
        Assert.Equal("canceled", (string?)await app.Db.HashGetAsync(app.Keys.Job(jobId), "status"));
        // Still on the list's page (no reload): the row leaves the "processing" filter by itself.
        await Assertions.Expect(row).Not.ToBeAttachedAsync(new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task Running_a_scheduled_job_now_runs_it_at_once()
    {
        var jobId = await app.SubmitAsync(new { type = "echo", payload = new { later = true }, delay_ms = 3_600_000 });
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, $"/jobs/{jobId}");
        await Assertions.Expect(page.Locator("#job [data-field='status']")).ToHaveTextAsync("scheduled");

        await page.Locator("#job-actions button", new() { HasTextString = "Run now" }).ClickAsync();

        await Assertions.Expect(page.Locator("#job [data-field='status']")).ToHaveTextAsync("done", new() { Timeout = 10_000 });
        Assert.Equal("done", (await app.WaitForTerminalAsync(jobId, Timeout)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Deleting_an_ended_job_removes_it_from_redis_and_the_page_says_so()
    {
        var jobId = await app.SubmitAsync(new { payload = new { delete = "me" } });
        await app.WaitForTerminalAsync(jobId, Timeout);
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, $"/jobs/{jobId}");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();

        await page.Locator("#job-actions button", new() { HasTextString = "Delete" }).ClickAsync();

        await Assertions.Expect(page.Locator("#no-job")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Job(jobId)));
        Assert.Null(await app.Db.SortedSetScoreAsync(app.Keys.Jobs, jobId));
    }

    [Fact]
    public async Task Retrying_every_dead_letter_of_a_type_asks_with_their_count_and_queues_all_of_them_again()
    {
        var failed = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            failed.Add(await app.SubmitAsync(new { type = "fail", payload = new { bulk = i } }));
        }

        foreach (var jobId in failed)
        {
            await app.WaitForStatusAsync(jobId, Timeout, "failed");
        }

        var count = await app.Db.StreamLengthAsync(app.Keys.Dead); // every dead letter of the queue; the filter asks for type "fail"
        var ofType = (await app.Db.StreamRangeAsync(app.Keys.Dead)).Count(e => e["type"] == "fail");
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, "/queues/jobs/jobs?type=fail");
        await Assertions.Expect(page.Locator("#dead-letter-count")).ToHaveTextAsync(ofType.ToString());
        await BrowserFixture.ScreenshotAsync(page, "jobs");
        string? asked = null;
        page.Dialog += async (_, dialog) => { asked = dialog.Message; await dialog.AcceptAsync(); };

        await page.Locator("#dead-letters button", new() { HasTextString = "Retry all" }).ClickAsync();

        await Assertions.Expect(page.Locator("#action-status")).ToHaveTextAsync($"Retried {ofType} dead letters.", new() { Timeout = 10_000 });
        Assert.StartsWith($"Retry {ofType} dead letters of type fail of queue jobs?", asked);
        foreach (var jobId in failed)
        {
            Assert.Contains("\"status\":\"failed\"", (string?)await app.Db.HashGetAsync(app.Keys.Job(jobId), "history"));
        }

        Assert.True(count >= ofType);

        // They fail again (the handler always does): delete them all the same way.
        foreach (var jobId in failed)
        {
            await app.WaitForStatusAsync(jobId, Timeout, "failed");
        }

        await Assertions.Expect(page.Locator("#dead-letter-count")).ToHaveTextAsync(ofType.ToString(), new() { Timeout = 10_000 });
        await page.Locator("#dead-letters button", new() { HasTextString = "Delete all" }).ClickAsync();

        await Assertions.Expect(page.Locator("#action-status")).ToHaveTextAsync($"Deleted {ofType} dead letters.", new() { Timeout = 10_000 });
        Assert.StartsWith($"Delete {ofType} dead letters of type fail of queue jobs with their jobs?", asked);
        Assert.All(failed, jobId => Assert.False(app.Db.KeyExists(app.Keys.Job(jobId))));
        await Assertions.Expect(page.Locator("#dead-letters")).Not.ToBeAttachedAsync(new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task A_job_in_a_workflow_shows_what_it_waits_for_and_what_waits_for_it()
    {
        using var submitted = await app.Api.PostAsJsonAsync("/workflows", new
        {
            jobs = new object[]
            {
                new { @ref = "child", type = "echo", payload = new { part = 1 } },
                new { @ref = "parent", type = "collect", payload = new { }, depends_on = new[] { "child" } },
            },
        });
        var jobs = (await submitted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("jobs");
        var (child, parent) = (jobs[0].GetProperty("job_id").GetString()!, jobs[1].GetProperty("job_id").GetString()!);
        await app.WaitForTerminalAsync(parent, Timeout);
        var page = await Pages.NewPageAsync();

        await Pages.GoToAsync(page, $"/jobs/{child}");
        await Assertions.Expect(page.Locator($"#dependants a[href='jobs/{parent}']")).ToBeVisibleAsync();
        await Pages.GoToAsync(page, $"/jobs/{parent}");
        await Assertions.Expect(page.Locator($"#dependencies tr:has(a[href='jobs/{child}'])")).ToContainTextAsync("done");
    }

    [Fact]
    public async Task Pausing_a_queue_from_the_queues_page_stops_its_workers_taking_jobs_until_it_is_resumed()
    {
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, "");
        var row = page.Locator($"#queues tr[data-queue='{AppFixture.EmailsQueue}']");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        try
        {
            await row.Locator("button", new() { HasTextString = "Pause" }).ClickAsync();

            await Assertions.Expect(row.Locator("[data-paused]")).ToHaveTextAsync("Paused", new() { Timeout = 10_000 });
            Assert.Equal("1", (string?)await app.Db.HashGetAsync(new Redis.QueueKeys(AppFixture.EmailsQueue).Controls, "paused"));
            await BrowserFixture.ScreenshotAsync(page, "queues");

            await row.Locator("button", new() { HasTextString = "Resume" }).ClickAsync();

            await Assertions.Expect(row.Locator("[data-paused]")).ToHaveTextAsync("Active", new() { Timeout = 10_000 });
            Assert.False(await app.Db.HashExistsAsync(new Redis.QueueKeys(AppFixture.EmailsQueue).Controls, "paused"));
        }
        finally
        {
            await app.Db.HashDeleteAsync(new Redis.QueueKeys(AppFixture.EmailsQueue).Controls, "paused");
        }
    }

    [Fact]
    public async Task A_schedule_is_run_now_and_paused_from_the_workers_page()
    {
        var name = "dashboard-" + Guid.NewGuid().ToString("N")[..8];
        using (var created = await app.Api.PutAsJsonAsync($"/schedules/{name}", new { cron = "0 0 1 1 *", job = new { type = "echo", payload = new { from = name } } }))
        {
            created.EnsureSuccessStatusCode();
        }

        try
        {
            var page = await Pages.NewPageAsync();
            await Pages.GoToAsync(page, "/workers");
            var row = page.Locator($"#schedules tr[data-schedule='{name}']");
            await Assertions.Expect(page.Locator("[data-consumers='jobs'] tbody tr").First).ToBeVisibleAsync();

            await row.Locator("button", new() { HasTextString = "Run now" }).ClickAsync();

            await Assertions.Expect(page.Locator("#action-status")).ToContainTextAsync($"Schedule {name} enqueued job");
            var jobId = (await page.Locator("#action-status").TextContentAsync())!.Split("job ")[1].TrimEnd('.');
            Assert.Equal("done", (await app.WaitForTerminalAsync(jobId, Timeout)).GetProperty("status").GetString());

            await row.Locator("button", new() { HasTextString = "Pause" }).ClickAsync();

            await Assertions.Expect(row.Locator("[data-paused]")).ToHaveTextAsync("Paused", new() { Timeout = 10_000 });
            Assert.Equal("1", (string?)await app.Db.HashGetAsync(app.Keys.Schedule(name), "paused"));
            await BrowserFixture.ScreenshotAsync(page, "workers");
        }
        finally
        {
            await app.Api.DeleteAsync($"/schedules/{name}");
        }
    }

    [Fact]
    public async Task The_jobs_list_finds_jobs_by_owner_and_type_and_the_search_opens_one_by_id()
    {
        var owner = "ann-" + Guid.NewGuid().ToString("N")[..8];
        var echo = await app.SubmitAsync(new { type = "echo", owner, payload = new { n = 1 } });
        var upper = await app.SubmitAsync(new { type = "uppercase", owner, payload = "shout" });
        var someoneElse = await app.SubmitAsync(new { type = "echo", owner = owner + "-other", payload = new { n = 2 } });
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, "/jobs");

        await page.FillAsync("#filter-owner", owner);
        await page.FillAsync("#filter-type", "echo");
        await page.Locator("#job-filters button[type=submit]").ClickAsync();

        await Assertions.Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator($"#jobs tr[data-job='{echo}']")).ToBeVisibleAsync();
        Assert.Contains($"owner={owner}", page.Url);
        await page.FillAsync("#filter-type", "");
        await page.Locator("#job-filters button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator($"#jobs tr[data-job='{upper}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"#jobs tr[data-job='{someoneElse}']")).Not.ToBeAttachedAsync();

        await page.FillAsync("#job-id", someoneElse);
        await page.PressAsync("#job-id", "Enter");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync(someoneElse);
    }

    [Fact]
    public async Task A_jobs_page_shows_its_owners_other_jobs_and_links_its_trace_in_the_aspire_dashboard()
    {
        var owner = "bea-" + Guid.NewGuid().ToString("N")[..8];
        var earlier = await app.SubmitAsync(new { type = "echo", owner, payload = new { first = true } });
        var jobId = await app.SubmitAsync(new { type = "echo", owner, payload = new { story = "whole" } });
        await app.WaitForTerminalAsync(jobId, Timeout);
        var traceId = await app.TraceIdOfAsync(jobId);
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, $"/jobs/{jobId}");

        await Assertions.Expect(page.Locator("#payload")).ToContainTextAsync("\"story\": \"whole\"");
        await Assertions.Expect(page.Locator("#result")).ToContainTextAsync("whole");
        await Assertions.Expect(page.Locator($"#owner-jobs a[href='jobs/{earlier}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#job-trace")).ToHaveAttributeAsync("href", new Uri(app.Dashboard, $"/traces/detail/{traceId}").ToString());
        await BrowserFixture.ScreenshotAsync(page, "job");

        // The link's page shows the trace in the Aspire dashboard (logged in there), with the worker's spans. Under the
        // testing builder the dashboard listens where Aspire puts it, not on Dashboard:Port (AppHostProcessTests and
        // AspireDashboardTests follow the link itself on an AppHost run as ./run.sh runs it).
        var login = await app.App.GetDashboardUrlAsync();
        var traces = await page.Context.NewPageAsync();
        await traces.GotoAsync(login.ToString());
        await traces.GotoAsync(new Uri(login, new Uri(await page.Locator("#job-trace").GetAttributeAsync("href") ?? "").AbsolutePath).ToString());
        await Assertions.Expect(traces.Locator("td[title^='worker-'][title$=': handle echo']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task An_action_without_the_pages_antiforgery_token_is_refused_and_changes_nothing_and_one_from_the_page_is_logged()
    {
        var jobId = await app.SubmitAsync(new { type = "echo", payload = new { guarded = true }, delay_ms = 3_600_000 });
        var cancel = new Uri(Root, $"actions/jobs/{jobId}/cancel");

        // With the antiforgery cookie a cross-site request would carry, but without the token, or with one the page never issued.
        var cookies = new CookieContainer();
        using var browserLike = new HttpClient(new HttpClientHandler { CookieContainer = cookies });
        (await browserLike.GetAsync(new Uri(Root, $"jobs/{jobId}"))).EnsureSuccessStatusCode();
        using (var noToken = await browserLike.PostAsync(cancel, null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        }

        using (var forged = new HttpRequestMessage(HttpMethod.Post, cancel) { Headers = { { "RequestVerificationToken", "CfDJ8forged" } } })
        using (var refused = await browserLike.SendAsync(forged))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal("scheduled", (string?)await app.Db.HashGetAsync(app.Keys.Job(jobId), "status"));

        // The same action from the dashboard's page goes through, and the API's log says who did what.
        var page = await Pages.NewPageAsync();
        await Pages.GoToAsync(page, $"/jobs/{jobId}");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.Locator("#job-actions button", new() { HasTextString = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.Locator("#job [data-field='status']")).ToHaveTextAsync("canceled", new() { Timeout = 10_000 });
        // A process's console reaches Aspire's log store through DCP, moments after it is written.
        await Eventually.WaitAsync(async () => (await app.Resources.LinesOfAllAsync("api", 500)).Select(l => l.Text).ToList(),
            logged => logged.Any(l => l.Contains($"Dashboard user local did cancel job {jobId}", StringComparison.Ordinal))
                && logged.Any(l => l.Contains("Refused dashboard action", StringComparison.Ordinal) && l.Contains(jobId, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15), "the API's log lines of the refused and the accepted action");
    }
}
