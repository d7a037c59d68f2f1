using System.Net.Http.Json;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// One <see cref="LedgerApp"/> (a 2 s lease) for the tests that count handler runs while workers die or run long
/// (ChaosTests, LongJobTests): one app start for them all. Each test starts from <see cref="ResetAsync"/> and counts
/// only its own jobs.
/// </summary>
public sealed class SharedLedgerApp : IAsyncLifetime
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    public LedgerApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await LedgerApp.StartAsync(lease: Lease);

    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>What every test starts from: every worker running (a test before may have killed some), the queue unlimited.</summary>
    public async Task ResetAsync()
    {
        await App.RestoreWorkersAsync();
        (await App.Api.PutAsJsonAsync("/queues/jobs/limits", new { })).EnsureSuccessStatusCode();
    }
}

[CollectionDefinition(Name)]
[TakesAbout(150)]
public sealed class SharedLedgerAppCollection : ICollectionFixture<SharedLedgerApp>
{
    public const string Name = "shared ledger app";
}
