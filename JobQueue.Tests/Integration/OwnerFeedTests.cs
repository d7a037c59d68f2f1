using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Client;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>Per-owner feeds across the API replicas (the origin system's WebSocket fleet), their resume, and the queue feed.</summary>
[Collection(AppCollection.Name)]
public sealed class OwnerFeedTests(AppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Two_devices_of_one_owner_on_two_api_replicas_get_every_change_of_every_job_of_theirs_and_nothing_of_another_owner()
    {
        var (owner, other) = (NewOwner(), NewOwner());
        await using var phone = await FeedDevice.ConnectAsync(app.ApiReplica(0), owner, (await app.Client.IssueFeedTokenAsync(owner)).Token);
        await using var laptop = await FeedDevice.ConnectAsync(app.ApiReplica(1), owner, (await app.Client.IssueFeedTokenAsync(owner)).Token);
        await using var stranger = await FeedDevice.ConnectAsync(app.ApiReplica(1), other, (await app.Client.IssueFeedTokenAsync(other)).Token);

        var mine = new List<string>();
        foreach (var (type, payload) in new (string, object)[] { ("uppercase", "hello world"), ("sleep", new { ms = 400, steps = 2 }), ("echo", new { x = 1 }) })
        {
            mine.Add((await app.Client.EnqueueAsync(payload, new EnqueueOptions { Type = type, Owner = owner })).JobId);
        }

        var theirs = (await app.Client.EnqueueAsync(new { y = 2 }, new EnqueueOptions { Owner = other })).JobId;
        await phone.WaitForFinalAsync(mine, Timeout);
        await laptop.WaitForFinalAsync(mine, Timeout);
        await stranger.WaitForFinalAsync([theirs], Timeout);

        foreach (var device in new[] { phone, laptop })
        {
            Assert.Equal(mine.Order(), device.Latest.Keys.Order());
            Assert.Equal("HELLO WORLD", device.Latest[mine[0]].Result!.Value.GetString());
            Assert.Contains(device.Received, u => u.JobId == mine[1] && u.Progress?.GetRawText() == """{"step":1,"of":2}""");
            // In order per job: each job's versions only go up, and none comes twice.
            foreach (var job in device.Received.GroupBy(u => u.JobId))
            {
                Assert.Equal(job.Select(u => u.Version).Order(), job.Select(u => u.Version));
                Assert.Equal(job.Count(), job.Select(u => u.Version).Distinct().Count());
            }
        }

        Assert.Equal([theirs], stranger.Received.Select(u => u.JobId).Distinct());
    }

    [Fact]
    public async Task A_device_that_reconnects_after_its_connection_was_cut_gets_every_job_that_changed_meanwhile_in_its_final_state()
    {
        var owner = NewOwner();
        var token = (await app.Client.IssueFeedTokenAsync(owner)).Token;
        var device = await FeedDevice.ConnectAsync(app.ApiReplica(0), owner, token);
        var first = (await app.Client.EnqueueAsync(new { x = 1 }, new EnqueueOptions { Owner = owner })).JobId;
        await device.WaitForFinalAsync([first], Timeout);
        var lastSeen = device.Received[^1].At;
        device.Cut();
        await device.DisposeAsync();

        // Offline: two jobs run and finish, one is canceled.
        var missed = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            missed.Add((await app.Client.EnqueueAsync(new { n = i }, new EnqueueOptions { Owner = owner })).JobId);
        }

        var canceled = (await app.Client.EnqueueAsync(new { }, new EnqueueOptions { Owner = owner, Delay = TimeSpan.FromMinutes(5) })).JobId;
        await app.Client.CancelAsync(canceled);
        foreach (var id in missed)
        {
            await app.Client.WaitForCompletionAsync(id);
        }

        // Back online, through the other replica, from where it left off.
        await using var back = await FeedDevice.ConnectAsync(app.ApiReplica(1), owner, token, after: lastSeen);
        await back.WaitForFinalAsync([.. missed, canceled], Timeout);

        Assert.All(missed, id => Assert.Equal("done", back.Latest[id].Status));
        Assert.Equal("canceled", back.Latest[canceled].Status);
        // What it had already seen comes again only as a repeat (same version), never as news.
        Assert.All(back.Received.Where(u => u.JobId == first), u => Assert.Equal(device.Latest[first].Version, u.Version));
    }

    [Fact]
    public async Task A_backend_listener_of_a_queue_that_restarts_resumes_after_its_last_event_and_misses_nothing()
    {
        using (var on = await app.Api.PutAsJsonAsync($"/queues/{AppFixture.EmailsQueue}/event-log", new { max_length = 10_000 }))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
            Assert.Equal(10_000, (await on.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("event_log_length").GetInt32());
        }

        using var listening = new CancellationTokenSource(Timeout);
        var events = new List<QueueEvent>();
        var before = (await app.Client.EnqueueAsync(new { to = "a@example.com" }, new EnqueueOptions { Queue = AppFixture.EmailsQueue })).JobId;
        // A listener that started before the first job (after=0-0: all the log holds) and stops at its completion.
        await foreach (var e in app.Client.WatchQueueAsync(AppFixture.EmailsQueue, after: "0-0", listening.Token))
        {
            events.Add(e);
            if (e.JobId == before && e.Event == "done")
            {
                break;
            }
        }

        var whileAway = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            whileAway.Add((await app.Client.EnqueueAsync(new { to = $"b{i}@example.com" }, new EnqueueOptions { Queue = AppFixture.EmailsQueue })).JobId);
        }

        foreach (var id in whileAway)
        {
            await app.Client.WaitForCompletionAsync(id);
        }

        var resumed = new List<QueueEvent>();
        await foreach (var e in app.Client.WatchQueueAsync(AppFixture.EmailsQueue, after: events[^1].EventId, listening.Token))
        {
            resumed.Add(e);
            if (whileAway.All(id => resumed.Any(r => r.JobId == id && r.Event == "done")))
            {
                break;
            }
        }

        foreach (var id in whileAway)
        {
            Assert.Equal(["queued", "processing", "done"], resumed.Where(e => e.JobId == id).Select(e => e.Event));
        }

        Assert.DoesNotContain(resumed, e => e.JobId == before);
        Assert.Equal(resumed.Select(e => e.EventId).Distinct().Count(), resumed.Count);
    }

    [Fact]
    public async Task A_queue_without_an_event_log_refuses_its_feed_with_409_saying_how_to_turn_it_on()
    {
        using var response = await app.Api.GetAsync($"/queues/{app.Keys.Name}/events");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/event-log", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    private static string NewOwner() => "user-" + Guid.NewGuid().ToString("N")[..12];
}
