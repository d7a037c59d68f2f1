using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A whole app of its own (JobQueue.AppHost through Aspire's testing builder, like <see cref="AppFixture"/>) for a test
/// that needs settings or faults the shared app must not see: a throwaway data directory.
/// </summary>
public sealed class OwnApp : IAsyncDisposable
{
    private readonly string _dataDirectory;

    private OwnApp(string dataDirectory, DistributedApplication app, AppResources resources, HttpClient api, ConnectionMultiplexer redis) =>
        (_dataDirectory, App, Resources, Api, Redis) = (dataDirectory, app, resources, api, redis);

    public DistributedApplication App { get; }

    /// <summary>The app's processes as Aspire's resource snapshots show them.</summary>
    public AppResources Resources { get; }

    public HttpClient Api { get; }

    /// <summary>With admin commands allowed (INFO, DBSIZE).</summary>
    public ConnectionMultiplexer Redis { get; }

    public static async Task<OwnApp> StartAsync(params string[] args)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-own-" + Guid.NewGuid().ToString("N"));
        var (app, resources, _) = await AppHostUnderTest.StartAsync([$"--Redis:DataDir={dataDirectory}", .. args]);
        var redis = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis")) + ",allowAdmin=true");
        return new OwnApp(dataDirectory, app, resources, TestReport.ApiClient(app), redis);
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Redis.DisposeAsync();
        await Resources.DisposeAsync();
        await App.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
