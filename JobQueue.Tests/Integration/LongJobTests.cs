using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>
/// Healthy long jobs are never stolen: a worker renews the lease of every job it runs, however many one take
/// claimed. The test worker's handler keeps a ledger of every run, apart from the queue's own records.
/// </summary>
[Collection(SharedLedgerAppCollection.Name)]
public sealed class LongJobTests(SharedLedgerApp shared) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = SharedLedgerApp.Lease;
    private readonly LedgerApp app = shared.App;

    public Task InitializeAsync() => shared.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Long_jobs_taken_together_in_one_take_each_run_exactly_once_and_end_done()
    {
        const int Jobs = 6;
        var run = TimeSpan.FromSeconds(7); // three and a half leases
        var ledger = "long-" + Guid.NewGuid().ToString("N");
        // One workflow of independent jobs: one enqueue call, one wake-up, so one idle worker's take claims them all.
        var jobs = Enumerable.Range(0, Jobs).Select(_ => new { type = "ledger-sleep", payload = new { ms = (int)run.TotalMilliseconds, ledger } });
        using var response = await app.Api.PostAsJsonAsync("/workflows", new { jobs });
        response.EnsureSuccessStatusCode();
        var ids = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs").EnumerateArray()
            .Select(j => j.GetProperty("job_id").GetString()!).ToArray();

        var claims = await Eventually.WaitAsync(
            () => Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), ["status", "a:1"]))),
            states => states.All(s => s[0] == "processing"), TimeSpan.FromSeconds(10), "every job to start");
        var holders = claims.Select(s => s[1].ToString().Split('|')[2]).Distinct().ToList(); // a:1 = attempt|started|consumer
        Assert.True(holders.Count == 1, $"the jobs were not taken together, so this test proves nothing: held by {string.Join(", ", holders)}");

        var ended = await Eventually.WaitAsync(
            () => Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), ["status", "attempts"]))),
            states => states.All(s => s[0] == "done" || s[0] == "failed"), run * 3, "every job to end");
        var runs = await app.LedgerAsync(ledger);
        TestReport.Add($"Long jobs taken together: {Jobs} jobs of {run.TotalSeconds:F0} s (lease {Lease.TotalSeconds:F0} s) claimed in one take, " +
            $"{ended.Count(s => s[0] == "done")} done, max attempts {ended.Max(s => (int)s[1])}, max handler runs {runs.Values.DefaultIfEmpty(0).Max()}");
        Assert.All(ended, s => Assert.Equal(("done", 1), (s[0].ToString(), (int)s[1])));
        Assert.All(ids, id => Assert.Equal(1, runs.GetValueOrDefault(id)));
    }
}
