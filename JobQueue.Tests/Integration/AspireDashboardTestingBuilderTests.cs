using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Aspire.Hosting.Testing;
using JobQueue.Hosting.Orchestration;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
// The test project also sees the imitation's JobQueue.Hosting types of the same names (global usings): these are Aspire's.
using AspireTestingBuilder = Aspire.Hosting.Testing.DistributedApplicationTestingBuilder;
using AspireTesting = Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// How a test that runs JobQueue.AppHost through Aspire.Hosting.Testing (where the app-level fixtures are moving) turns
/// the dashboard on, finds its address and credentials, and reads its telemetry with <see cref="AspireDashboardTelemetry"/>.
/// </summary>
[Collection(AspireDashboardTests.Collection)]
public sealed class AspireDashboardTestingBuilderTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "hd-aspire-testing-dashboard-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task An_apphost_run_by_the_testing_builder_with_the_dashboard_on_gives_its_login_link_and_the_client_reads_a_jobs_trace()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(Timeout);
        // The test project references JobQueue.AppHost for its path only (Projects.JobQueue_AppHost is the imitation's
        // metadata until the fixtures move): its entry point is loaded from the build output. Referenced as an assembly,
        // this is CreateAsync<Projects.JobQueue_AppHost>(options, args).
        var dashboardPort = PortAllocator.FreePort();
        var entryPoint = Assembly.LoadFrom(new Projects.JobQueue_AppHost().TargetPath).EntryPoint!.DeclaringType!;
        var builder = await AspireTestingBuilder.CreateAsync(entryPoint, new DistributedApplicationTestingBuilderOptions { EnableDashboard = true },
            [
                // JobQueue.AppHost places the dashboard and its OTLP receivers itself (18888, 4317, 4318 by default): free ports.
                $"--Dashboard:Port={dashboardPort}", $"--Dashboard:OtlpGrpcPort={PortAllocator.FreePort()}",
                $"--Dashboard:OtlpHttpPort={PortAllocator.FreePort()}", $"--Api:Port={PortAllocator.FreePort()}",
                $"--Redis:Port={PortAllocator.FreePort()}", $"--Redis:DataDir={_dataDirectory}", "--Worker:Replicas=1",
            ], timeout.Token);
        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);

        // The login link, once the dashboard is healthy; the client trades its token for the telemetry API's key.
        var login = await AspireTesting.GetDashboardUrlAsync(app, timeout.Token);
        using var telemetry = await AspireDashboardTelemetry.FromAppAsync(app, timeout.Token);
        // Not necessarily on --Dashboard:Port: the testing builder randomizes the ports of proxied endpoints (DcpPublisher:RandomizePorts).
        output.WriteLine($"Dashboard {login.GetLeftPart(UriPartial.Authority)} (--Dashboard:Port={dashboardPort}) ready after {started.Elapsed.TotalSeconds:F1} s");

        // The same, from the app's configuration and the aspire-dashboard resource's endpoint.
        var configuration = app.Services.GetRequiredService<IConfiguration>();
        Assert.Equal(configuration["AppHost:BrowserToken"], System.Web.HttpUtility.ParseQueryString(login.Query)["t"]);
        Assert.Equal(login.GetLeftPart(UriPartial.Authority), AspireTesting.GetEndpoint(app, "aspire-dashboard", "http").GetLeftPart(UriPartial.Authority));
        using var fromConfiguration = new AspireDashboardTelemetry(AspireTesting.GetEndpoint(app, "aspire-dashboard", "http"), configuration["AppHost:DashboardApiKey"]);

        using var api = AspireTesting.CreateHttpClient(app, "api", "http");
        var id = await SubmitEchoJobAsync(api, timeout.Token);

        var traceId = await Eventually.WaitAsync(() => telemetry.TraceIdOfJobAsync(id), t => t is not null, Timeout, "a span of the job");
        var spans = await Eventually.WaitAsync(() => fromConfiguration.TraceAsync(traceId!),
            s => s.Any(span => span.Resource == "worker" && span.Name == "handle echo"), Timeout, "the worker's handler span");
        Assert.Contains(spans, span => span.Resource == "api" && span.Name == "enqueue echo" && span.Attribute("jobqueue.job.id") == id);
        output.WriteLine($"The job's trace read after {started.Elapsed.TotalSeconds:F1} s: {string.Join(", ", spans)}");
    }

    private static async Task<string> SubmitEchoJobAsync(HttpClient api, CancellationToken cancellationToken)
    {
        // Healthy before the first job: StartAsync does not wait for the services.
        await Eventually.WaitAsync(async () =>
        {
            try
            {
                return (await api.GetAsync("/health", cancellationToken)).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, healthy => healthy, Timeout, "the API to be healthy");
        using var submitted = await api.PostAsJsonAsync("/jobs", new { type = "echo", payload = new { a = 1 } }, cancellationToken);
        submitted.EnsureSuccessStatusCode();
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("job_id").GetString()!;
        await Eventually.WaitAsync(() => api.GetFromJsonAsync<JsonElement>($"/jobs/{id}", cancellationToken),
            job => job.GetProperty("status").GetString() == "done", Timeout, $"job {id} to be done");
        return id;
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
