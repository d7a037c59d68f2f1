using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>An API replica SIGKILLed in the middle of a burst of submissions leaves no half-written job behind.</summary>
public sealed class ApiCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private OwnApp _own = null!;

    public async Task InitializeAsync() => _own = await OwnApp.StartAsync("--Api:Replicas=2", "--Worker:Replicas=2");

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task Killing_an_api_replica_mid_burst_leaves_every_job_whole()
    {
        var accepted = new ConcurrentBag<string>();
        var failedRequests = 0;
        using var submitting = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var burst = Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!submitting.IsCancellationRequested)
            {
                try
                {
                    using var response = await _own.Api.PostAsJsonAsync("/jobs", new { payload = new { x = 1 } });
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failedRequests);
                }
            }
        })));

        await Task.Delay(1000);
        Signals.Send(_own.App.ResourceNotifications.GetReplica("api-0")!.Pid!.Value, Signals.Kill);
        await burst;

        // Whole means: every job in the index has its hash, and every hash its stream entry until it ends.
        var db = _own.Redis.GetDatabase();
        var indexed = (await db.SortedSetRangeByRankAsync("{jobs}:jobs")).Select(v => v.ToString()).ToList();
        foreach (var id in indexed)
        {
            var status = await Eventually.WaitAsync(async () => (string?)await db.HashGetAsync("{jobs}:job:" + id, "status"),
                s => s == "done", TimeSpan.FromSeconds(60), $"job {id} to be done");
            Assert.Equal("done", status);
        }

        var entries = await db.StreamRangeAsync("{jobs}:stream");
        TestReport.Add($"API replica SIGKILLed mid-burst: {accepted.Count} jobs answered 202, {indexed.Count} in Redis, all whole and done; {failedRequests} requests cut");
        output.WriteLine($"api crash: {accepted.Count} accepted, {indexed.Count} jobs in Redis, {failedRequests} requests cut by the kill, {entries.Length} entries left");
        // Every 202 is in Redis; a job may also be there whose answer the kill cut off (whole, just unconfirmed).
        Assert.Superset(accepted.ToHashSet(), indexed.ToHashSet());
        Assert.True(failedRequests > 0, "the kill cut no request short; it proved nothing");
        Assert.Empty(entries);
    }
}
