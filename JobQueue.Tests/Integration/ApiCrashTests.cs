using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Net.WebSockets;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>An API replica SIGKILLed in the middle of a burst of submissions leaves no half-written job behind, and its feeds resume on another.</summary>
[Collection(TwoApiReplicasCollection.Name)]
public sealed class ApiCrashTests(TwoApiReplicasApp shared, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly OwnApp _own = shared.Own;

    public Task InitializeAsync() => shared.RestoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Killing_an_api_replica_mid_burst_leaves_every_job_whole()
    {
        // The app is shared: the jobs of the tests before are not this burst's.
        var db = _own.Redis.GetDatabase();
        var before = (await db.SortedSetRangeByRankAsync("{jobs}:jobs")).Select(v => v.ToString()).ToHashSet();
        var accepted = new ConcurrentBag<string>();
        var failedRequests = 0;
        using var submitting = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        // Half the senders on each replica's own address: the one killed surely has requests in flight (through the
        // app's shared port, a replica just started again may not be in the proxy's rotation yet).
        using var replica0 = new HttpClient(new TestReport.ServerErrorCounter()) { BaseAddress = _own.Resources.Get("api", 0).Url };
        using var replica1 = new HttpClient(new TestReport.ServerErrorCounter()) { BaseAddress = _own.Resources.Get("api", 1).Url };
        var burst = Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var http = i % 2 == 0 ? replica0 : replica1;
            while (!submitting.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.PostAsJsonAsync("/jobs", new { payload = new { x = 1 } });
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
                    }
                }
                catch (HttpRequestException)
                {
                    // Cut by the kill: this sender's replica is gone (what follows would only be refused).
                    Interlocked.Increment(ref failedRequests);
                    return;
                }
            }
        })));

        await Task.Delay(1000);
        Signals.Send(_own.Resources.Get("api", 0).Pid!.Value, Signals.Kill);
        await burst;

        // Whole means: every job in the index has its hash, and every hash its stream entry until it ends.
        var indexed = (await db.SortedSetRangeByRankAsync("{jobs}:jobs")).Select(v => v.ToString()).Where(id => !before.Contains(id)).ToList();
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

    [Fact]
    public async Task A_device_whose_api_replica_is_killed_resumes_on_another_and_gets_every_job_of_its_owner_in_its_final_state()
    {
        const string Owner = "user-crash";
        var before = await FeedDevice.ConnectAsync(_own.Resources.Get("api", 0).Url!, Owner, TestTokens.For(Owner));
        var options = Options.Create(new QueueOptions());
        var store = new JobStore(_own.Redis, new QueueDirectory(_own.Redis, options), options);

        // Jobs keep coming (straight into Redis: the kill must not cut the submissions) while the replica dies.
        var ids = new List<string>();
        var submitting = Task.Run(async () =>
        {
            for (var batch = 0; batch < 30; batch++)
            {
                ids.AddRange((await store.EnqueueManyAsync([.. Enumerable.Range(0, 10).Select(i => new NewJob("echo", $"{{\"n\":{i}}}", Owner: Owner))]))
                    .Select(r => r.Job.Id));
                await Task.Delay(100);
            }
        });

        // The device must have something to resume from: on a loaded machine its first update can take over a second.
        await Eventually.WaitAsync(() => Task.FromResult(before.Received.Count), n => n > 0, TimeSpan.FromSeconds(30), "the device's first update");
        Signals.Send(_own.Resources.Get("api", 0).Pid!.Value, Signals.Kill);
        await Eventually.WaitAsync(() => Task.FromResult(before.State), s => s != WebSocketState.Open, TimeSpan.FromSeconds(10), "the device to lose its replica");
        var lastSeen = before.Received[^1].At;
        await before.DisposeAsync();
        await submitting;

        await using var after = await FeedDevice.ConnectAsync(_own.Resources.Get("api", 1).Url!, Owner, TestTokens.For(Owner), lastSeen);
        var seenFinal = before.Latest.Where(j => j.Value.IsFinished).Select(j => j.Key).ToHashSet();
        await after.WaitForFinalAsync(ids.Where(id => !seenFinal.Contains(id)), TimeSpan.FromSeconds(60));

        var final = ids.ToDictionary(id => id, id => after.Latest.GetValueOrDefault(id) ?? before.Latest[id]);
        Assert.All(final.Values, u => Assert.Equal("done", u.Status));
        TestReport.Add($"API replica SIGKILLed under an owner feed: the device had {seenFinal.Count} of {ids.Count} jobs final, resumed on the other replica and got the other {ids.Count - seenFinal.Count}, all done");
    }
}
