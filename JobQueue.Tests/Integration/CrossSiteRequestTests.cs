using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>
/// A page of another site cannot change anything through a browser, with or without an API key (the shared app has
/// none, as in Development): what a browser sends on such a page's behalf is refused with Redis unchanged, while
/// same-origin pages and clients that are not browsers go on as before.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class CrossSiteRequestTests(AppFixture app)
{
    public static TheoryData<string, string, string, string?, string?, string?> CrossSite() => new()
    {
        // what, method, path, Origin, Sec-Fetch-Site, form body
        { "a form post pausing a queue", "POST", "/queues/emails/pause", "https://evil.example", "cross-site", "" },
        { "a form post from a browser without Sec-Fetch-Site", "POST", "/queues/emails/pause", "https://evil.example", null, "" },
        { "a no-cors fetch retrying dead letters", "POST", "/dead-letters/retry", "https://evil.example", "cross-site", null },
        { "a request from a sibling subdomain", "POST", "/jobs", "https://app.evil.example", "same-site", "payload=1" },
        { "a request from a sandboxed page (Origin: null)", "POST", "/queues/emails/pause", "null", null, "" },
        { "a cross-site delete of dead letters", "DELETE", "/dead-letters", null, "cross-site", null },
        { "a cross-site schedule written as text/plain", "PUT", "/schedules/evil", "https://evil.example", "cross-site", null },
    };

    [Theory]
    [MemberData(nameof(CrossSite))]
    public async Task A_browser_request_of_another_site_that_would_change_state_is_refused_and_changes_nothing(
        string what, string method, string path, string? origin, string? fetchSite, string? form)
    {
        var keysBefore = await app.Db.ExecuteAsync("DBSIZE");
        var pausedBefore = await PausedAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Content = form is null
            ? new StringContent("""{"cron":"* * * * *","job":{"payload":1}}""", Encoding.UTF8, "text/plain")
            : new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        using var response = await app.Api.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what}: expected 403, got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((long)keysBefore, (long)await app.Db.ExecuteAsync("DBSIZE"));
        Assert.Equal(pausedBefore, await PausedAsync());
        TestReport.Add($"Bad input: cross-site, {what} -> 403");
    }

    [Theory]
    [InlineData("a same-origin page", "same-origin", true)]
    [InlineData("a browser with Origin only, of this host", null, true)]
    [InlineData("a client that is no browser", null, false)]
    public async Task Same_origin_pages_and_clients_that_are_not_browsers_are_served(string what, string? fetchSite, bool sendOrigin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = JsonContent.Create(new { payload = what }) };
        if (sendOrigin)
        {
            request.Headers.Add("Origin", app.Api.BaseAddress!.GetLeftPart(UriPartial.Authority));
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        using var response = await app.Api.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{what}: expected 202, got {(int)response.StatusCode}");
    }

    private async Task<bool> PausedAsync() =>
        (await app.Api.GetFromJsonAsync<JsonElement>("/queues/emails")).GetProperty("paused").GetBoolean();
}
