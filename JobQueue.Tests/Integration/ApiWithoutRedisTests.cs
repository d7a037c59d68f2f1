using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>An API process that starts while Redis is down comes up, answers 503, and takes jobs once Redis is back.</summary>
[TakesAbout(15)]
public sealed class ApiWithoutRedisTests
{
    [Fact]
    public async Task Api_started_during_a_Redis_outage_answers_503_then_accepts_jobs_once_Redis_is_up()
    {
        const string password = "outage-test-password";
        var redisPort = LocalRedis.FreePort();
        var apiPort = LocalRedis.FreePort();
        var start = new ProcessStartInfo("dotnet", [BuiltProject.AssemblyOf<Projects.JobQueue_Api>()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ConnectionStrings__redis"] = $"127.0.0.1:{redisPort},password={password}",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{apiPort}",
            },
        };
        using var api = Process.Start(start)!;
        api.OutputDataReceived += (_, _) => { };
        api.ErrorDataReceived += (_, _) => { };
        api.BeginOutputReadLine();
        api.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-late-redis-" + Guid.NewGuid().ToString("N"));
        try
        {
            await Eventually.WaitAsync(() => IsUpAsync(http), up => up, TimeSpan.FromSeconds(30), "the API to start without Redis");
            using (var refused = await http.PostAsJsonAsync("/jobs", new { payload = 1 }))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            }

            var builder = DistributedApplicationTestingBuilder.Create();
            builder.AddRedisServer("redis", redisPort, builder.AddParameter("redis-password", password, secret: true)).WithDataDirectory(dataDirectory);
            await using var redis = await builder.BuildAsync();
            await redis.StartAsync();

            await Eventually.WaitAsync(async () =>
            {
                using var submitted = await http.PostAsJsonAsync("/jobs", new { payload = 2 });
                return submitted.StatusCode;
            }, status => status == HttpStatusCode.Accepted, TimeSpan.FromSeconds(30), "the API to accept a job once Redis is up");
            Assert.False(api.HasExited);
        }
        finally
        {
            api.Kill(entireProcessTree: true);
            await api.WaitForExitAsync();
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    private static async Task<bool> IsUpAsync(HttpClient http)
    {
        try
        {
            using var alive = await http.GetAsync("/alive");
            return alive.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
