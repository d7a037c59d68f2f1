using System.Net;
using System.Text.RegularExpressions;
using JobQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.QueueDashboard;

/// <summary>
/// The queue dashboard mounted in a team's own app, as its README says: local requests only until the app authorizes
/// (through the app's real forwarded-headers and authorization middleware), the app's policy when it does, every action
/// needing the page's antiforgery token and logged with the user's name, and links that hold under a path base.
/// </summary>
public sealed partial class DashboardMountingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string Remote = "203.0.113.7"; // TEST-NET-3: an address no test machine has

    public async Task InitializeAsync() =>
        await new QueueDirectory(redis.Redis, Options.Create(new QueueOptions())).RegisterAsync(new QueueOptions().Name, 1);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Without_an_authorization_policy_only_local_requests_are_served()
    {
        await using var app = await MountedDashboardApp.StartAsync(redis.ConnectionString, web =>
        {
            web.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
            web.MapJobQueueDashboard("/dashboard");
        });
        using var http = new HttpClient { BaseAddress = app.Root };

        using var local = await http.GetAsync("/dashboard/");
        using var remotePage = await SendAsync(http, HttpMethod.Get, "/dashboard/", forwardedFor: Remote);
        using var remoteAction = await SendAsync(http, HttpMethod.Post, "/dashboard/actions/queues/jobs/pause", forwardedFor: Remote);

        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Contains("data-queue=\"jobs\"", await local.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, remotePage.StatusCode);
        Assert.Equal("application/problem+json", remotePage.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, remoteAction.StatusCode);
        Assert.False(await redis.Redis.GetDatabase().HashExistsAsync(new Redis.QueueKeys("jobs").Controls, "paused"));
        Assert.Contains(app.Logs, l => l.Contains($"Refused a dashboard request from {Remote}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_apps_policy_an_anonymous_request_is_refused_and_an_operator_anywhere_acts_and_is_logged_by_name()
    {
        await using var app = await MountedDashboardApp.StartAsync(redis.ConnectionString,
            web =>
            {
                web.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
                web.UseAuthentication();
                web.UseAuthorization();
                web.MapJobQueueDashboard("/dashboard").RequireAuthorization("ops");
            },
            builder =>
            {
                builder.Services.AddAuthentication(OperatorHeaderAuthentication.Name)
                    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, OperatorHeaderAuthentication>(OperatorHeaderAuthentication.Name, null);
                builder.Services.AddAuthorizationBuilder().AddPolicy("ops", policy => policy.RequireAuthenticatedUser());
            });
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = app.Root };

        using var anonymousLocal = await http.GetAsync("/dashboard/");
        using var page = await SendAsync(http, HttpMethod.Get, "/dashboard/", forwardedFor: Remote, user: "alice");
        var token = TokenOf(await page.Content.ReadAsStringAsync());
        using var forged = await SendAsync(http, HttpMethod.Post, "/dashboard/actions/queues/jobs/pause", forwardedFor: Remote, user: "alice", token: "CfDJ8forged");
        using var paused = await SendAsync(http, HttpMethod.Post, "/dashboard/actions/queues/jobs/pause", forwardedFor: Remote, user: "alice", token: token);
        using var resumed = await SendAsync(http, HttpMethod.Post, "/dashboard/actions/queues/jobs/resume", forwardedFor: Remote, user: "alice", token: token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousLocal.StatusCode); // the app's policy, not the local default
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(">alice<", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Contains(app.Logs, l => l == "Information: Dashboard user alice did pause queue jobs: Queue jobs is paused.");
        Assert.Contains(app.Logs, l => l.Contains("Refused dashboard action /dashboard/actions/queues/jobs/pause of alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Under_a_path_base_the_pages_links_and_assets_resolve_below_it()
    {
        await using var app = await MountedDashboardApp.StartAsync(redis.ConnectionString, web =>
        {
            web.UsePathBase("/ops");
            web.UseRouting();
            web.MapJobQueueDashboard("/queues-dashboard");
        });
        using var http = new HttpClient { BaseAddress = app.Root };

        var html = await http.GetStringAsync("/ops/queues-dashboard/");

        Assert.Contains("<base href=\"/ops/queues-dashboard/\" />", html);
        foreach (var link in new[] { "jobs", "workers", "queues/jobs/jobs" }.Concat(AssetLinks().Matches(html).Select(m => m.Groups[1].Value)))
        {
            using var response = await http.GetAsync("/ops/queues-dashboard/" + link);
            Assert.True(response.IsSuccessStatusCode, $"{link} answered {(int)response.StatusCode}");
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? forwardedFor = null, string? user = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (user is not null)
        {
            request.Headers.Add(OperatorHeaderAuthentication.Header, user);
        }

        if (token is not null)
        {
            request.Headers.Add("RequestVerificationToken", token);
        }

        return await http.SendAsync(request);
    }

    private static string TokenOf(string html) => TokenField().Match(html).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("(assets/[a-z.]+\\?v=[0-9a-f]+)")]
    private static partial Regex AssetLinks();
}
