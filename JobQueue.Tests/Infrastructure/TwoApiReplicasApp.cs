namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// One app of their own (two API replicas, two workers, feeds signed with the tests' key) for the tests that load or
/// kill the API (FeedLoadTests, ApiCrashTests): one app start for them all. Each test starts from
/// <see cref="RestoreAsync"/>.
/// </summary>
public sealed class TwoApiReplicasApp : IAsyncLifetime
{
    public OwnApp Own { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Own = await OwnApp.StartAsync("--Api:Replicas=2", "--Worker:Replicas=2", $"--Api:Feeds:SigningKey={TestTokens.SigningKey}");

    public async Task DisposeAsync() => await Own.DisposeAsync();

    /// <summary>Every API replica running and answering (a test before may have killed one), and every worker running.</summary>
    public async Task RestoreAsync()
    {
        await Own.Resources.RestoreAsync("api", TimeSpan.FromSeconds(60));
        await Own.Resources.RestoreAsync("worker", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var replica in Own.Resources.Of("api"))
        {
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(replica.Url!, "/health"));
                    return response.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, healthy => healthy, TimeSpan.FromSeconds(60), $"{replica.Id} to answer");
        }
    }
}

[CollectionDefinition(Name)]
[TakesAbout(45)]
public sealed class TwoApiReplicasCollection : ICollectionFixture<TwoApiReplicasApp>
{
    public const string Name = "two API replicas";
}
