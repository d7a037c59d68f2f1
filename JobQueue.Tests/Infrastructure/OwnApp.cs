using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A whole app of its own (through the AppHost's Program, like <see cref="AppFixture"/>) for a test that
/// needs settings or faults the shared app must not see: a throwaway data directory, no dashboard.
/// </summary>
public sealed class OwnApp : IAsyncDisposable
{
    private readonly string _dataDirectory;

    private OwnApp(string dataDirectory, DistributedApplication app, HttpClient api, ConnectionMultiplexer redis) =>
        (_dataDirectory, App, Api, Redis) = (dataDirectory, app, api, redis);

    public DistributedApplication App { get; }

    public HttpClient Api { get; }

    /// <summary>With admin commands allowed (INFO, DBSIZE).</summary>
    public ConnectionMultiplexer Redis { get; }

    public static async Task<OwnApp> StartAsync(params string[] args)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-own-" + Guid.NewGuid().ToString("N"));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.JobQueue_Tests_AppHost>(
            [$"--Redis:DataDir={dataDirectory}", "--Dashboard:Enabled=false", .. args]);
        var app = await builder.BuildAsync();
        await app.StartAsync();
        using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
        await app.ResourceNotifications.WaitForResourceAsync("worker", KnownResourceStates.Running, startup.Token);
        var redis = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis")) + ",allowAdmin=true");
        return new OwnApp(dataDirectory, app, TestReport.ApiClient(app), redis);
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Redis.DisposeAsync();
        await App.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
