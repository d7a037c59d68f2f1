using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The jobs API behind an API key and a submission rate limit (an app of its own: key "s3cret", 5 submissions/s), whose
/// feeds (an owner's, and with RequireTokenForJobs a job's) take a feed token instead.
/// </summary>
public sealed class SecurityTests(SecurityTests.SecuredApp app) : IClassFixture<SecurityTests.SecuredApp>
{
    private const string Key = "s3cret-" + "for-tests";
    private readonly OwnApp _own = app.Own;

    /// <summary>The app the tests share: each reads only what it wrote.</summary>
    public sealed class SecuredApp : IAsyncLifetime
    {
        public OwnApp Own { get; private set; } = null!;

        public async Task InitializeAsync() => Own = await OwnApp.StartAsync($"--Api:ApiKey={Key}", "--Api:SubmitRateLimit=5", "--Worker:Replicas=1",
            $"--Api:Feeds:SigningKey={TestTokens.SigningKey}", "--Api:Feeds:RequireTokenForJobs=true");

        public async Task DisposeAsync() => await Own.DisposeAsync();
    }

    [Fact]
    public async Task Without_the_right_api_key_nothing_but_health_answers()
    {
        using var noKey = await _own.Api.PostAsJsonAsync("/jobs", new { payload = 1 });
        using var wrongKey = await Send(HttpMethod.Get, "/queue", "wrong");
        using var health = await _own.Api.GetAsync("/health");
        using var withKey = await Send(HttpMethod.Post, "/jobs", Key);

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("application/problem+json", noKey.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, withKey.StatusCode);
    }

    [Fact]
    public async Task A_browser_without_the_api_key_follows_its_owners_jobs_with_the_feed_token_its_backend_got_and_nothing_else()
    {
        // The backend, with the API key: submits a job for user-7 and asks for user-7's feed token.
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = JsonContent.Create(new { payload = 1, owner = "user-7" }) };
        submit.Headers.Add("X-Api-Key", Key);
        using var submitted = await _own.Api.SendAsync(submit);
        var jobId = (await submitted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("job_id").GetString();
        using var issue = new HttpRequestMessage(HttpMethod.Post, "/feed-tokens") { Content = JsonContent.Create(new { owner = "user-7" }) };
        issue.Headers.Add("X-Api-Key", Key);
        using var issued = await _own.Api.SendAsync(issue);
        var token = (await issued.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("token").GetString();

        // The browser, without the API key.
        async Task<HttpStatusCode> OpenAsync(string path)
        {
            using var response = await _own.Api.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await OpenAsync($"/owners/user-7/events?access_token={token}"));
        Assert.Equal(HttpStatusCode.OK, await OpenAsync($"/jobs/{jobId}/events?access_token={token}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await OpenAsync($"/jobs/{jobId}/events"));
        Assert.Equal(HttpStatusCode.Forbidden, await OpenAsync($"/jobs/{jobId}/events?access_token={TestTokens.For("user-8")}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await OpenAsync($"/jobs/{jobId}?access_token={token}"));
        using var mint = await _own.Api.PostAsJsonAsync("/feed-tokens", new { owner = "user-7" });
        Assert.Equal(HttpStatusCode.Unauthorized, mint.StatusCode);
    }

    [Fact]
    public async Task Submissions_over_the_rate_limit_get_429_with_retry_after_and_write_nothing()
    {
        var before = await _own.Redis.GetDatabase().SortedSetLengthAsync("{jobs}:jobs");
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 30; i++)
        {
            responses.Add(await Send(HttpMethod.Post, "/jobs", Key));
        }

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.Accepted);
        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.NotNull(r.Headers.RetryAfter));
        Assert.All(limited, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        Assert.Equal(30, accepted + limited.Count);
        Assert.Equal(accepted, (int)(await _own.Redis.GetDatabase().SortedSetLengthAsync("{jobs}:jobs") - before));
        // The next test submits on the same app: it waits out the window, as the 429 says.
        await Task.Delay(limited.Max(r => r.Headers.RetryAfter!.Delta ?? TimeSpan.FromSeconds(1)) + TimeSpan.FromMilliseconds(200));
        responses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Outside_development_the_api_will_not_start_without_a_key()
    {
        var start = new ProcessStartInfo("dotnet", [BuiltProject.AssemblyOf<Projects.JobQueue_Api>()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__redis"] = (await _own.App.GetConnectionStringAsync("redis"))!,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            },
        };
        using var api = Process.Start(start)!;
        var output = api.StandardOutput.ReadToEndAsync();
        var errors = api.StandardError.ReadToEndAsync();

        await api.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, api.ExitCode);
        Assert.Contains("needs an API key", await output + await errors);
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { payload = 1 });
        }

        request.Headers.Add("X-Api-Key", key);
        return _own.Api.SendAsync(request);
    }
}
