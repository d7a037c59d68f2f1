using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Tests.Integration;

/// <summary>
/// An API whose only worker registered <c>echo</c>: the legacy <c>/submit</c> (an <c>uppercase</c> job) and
/// <c>POST /jobs</c> of another type are refused with a 400 problem naming the known types, and nothing is written.
/// </summary>
public sealed class UnhandledTypeTests(UnhandledTypeTests.EchoOnlyApp app) : IClassFixture<UnhandledTypeTests.EchoOnlyApp>
{
    [Theory]
    [InlineData("/submit", """{"input": "hello world"}""", "uppercase")]
    [InlineData("/jobs", """{"type": "resize-image", "payload": {"id": 7}}""", "resize-image")]
    public async Task A_job_type_no_worker_handles_is_a_400_problem_naming_the_known_types_and_writes_nothing(
        string path, string body, string type)
    {
        var keysBefore = await app.Redis.GetServers()[0].DatabaseSizeAsync();

        using var response = await app.Api.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Unknown job type", problem.GetProperty("title").GetString());
        Assert.Equal($"No worker pool of queue 'jobs' has a handler for job type '{type}'. Its pools handle: echo.", problem.GetProperty("detail").GetString());
        Assert.Equal(keysBefore, await app.Redis.GetServers()[0].DatabaseSizeAsync());
    }

    /// <summary>One app for the class: redis-server and the API, with <c>echo</c> the only type a pool declared.</summary>
    public sealed class EchoOnlyApp : IAsyncLifetime
    {
        private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-types-" + Guid.NewGuid().ToString("N"));
        private DistributedApplication _app = null!;

        public ConnectionMultiplexer Redis { get; private set; } = null!;

        public HttpClient Api { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var builder = DistributedApplicationTestingBuilder.Create();
            var redis = builder.AddRedisServer("redis", Infrastructure.LocalRedis.FreePort()).WithDataDirectory(_dataDirectory);
            builder.AddProject<Projects.JobQueue_Api>("api", launchProfileName: null).WithHttpEndpoint(name: "http").WithHttpHealthCheck("/health")
                .WithEnvironment("DOTNET_ENVIRONMENT", "Development").WithReference(redis).WaitFor(redis);
            Infrastructure.AppHostUnderTest.RunBuiltProjects(builder.Resources);
            Infrastructure.AppHostUnderTest.ExportNoTelemetry(builder.Resources);
            _app = await builder.BuildAsync();
            using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await _app.StartAsync(startup.Token);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
            Redis = await ConnectionMultiplexer.ConnectAsync(await _app.GetConnectionStringAsync("redis") + ",allowAdmin=true");
            Api = Infrastructure.TestReport.ApiClient(_app);
            await Redis.GetDatabase().SetAddAsync(new QueueKeys("jobs").Types, "echo");
        }

        public async Task DisposeAsync()
        {
            Api.Dispose();
            await Redis.DisposeAsync();
            await _app.DisposeAsync();
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
