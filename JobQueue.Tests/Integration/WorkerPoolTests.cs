using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The AppHost's two worker pools: the default pool reads the default queue, the emails pool only <c>emails</c>.
/// Each queue's jobs run in its own pool, and the API shows, pauses and limits each queue.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class WorkerPoolTests(AppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Jobs_of_each_queue_run_only_in_the_pool_that_reads_it()
    {
        await StopEmailsPoolAsync();
        try
        {
            var emails = await SubmitAsync(5, AppFixture.EmailsQueue);
            var others = await SubmitAsync(5, queue: null);

            foreach (var id in others)
            {
                Assert.Equal("done", (await app.WaitForTerminalAsync(id, Timeout)).GetProperty("status").GetString());
            }

            await Task.Delay(TimeSpan.FromSeconds(1)); // the default pool had every chance to take an email
            foreach (var id in emails)
            {
                var job = await app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{id}");
                Assert.Equal(("queued", "emails"), (job.GetProperty("status").GetString(), job.GetProperty("queue").GetString()));
            }

            await StartEmailsPoolAsync();
            foreach (var id in emails)
            {
                Assert.Equal("done", (await app.WaitForTerminalAsync(id, Timeout)).GetProperty("status").GetString());
            }

            // Each queue's consumers are the processes of its own pool (consumer names end with the process id).
            Assert.Subset(PoolPids(AppFixture.EmailsPool), await ConsumerPidsAsync(new QueueKeys(AppFixture.EmailsQueue)));
            Assert.Subset(PoolPids("worker"), await ConsumerPidsAsync(app.Keys));
        }
        finally
        {
            await StartEmailsPoolAsync();
        }
    }

    [Fact]
    public async Task The_queues_are_listed_with_their_figures_and_a_paused_queue_holds_its_jobs_until_resumed()
    {
        var list = await app.Api.GetFromJsonAsync<JsonElement>("/queues");
        Assert.Equal(["jobs", "emails"], list.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()));

        var paused = await PostAsync("/queues/emails/pause");
        Assert.True(paused.GetProperty("paused").GetBoolean());
        try
        {
            var held = await SubmitAsync(3, AppFixture.EmailsQueue);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var queue = await app.Api.GetFromJsonAsync<JsonElement>("/queues/emails");
            Assert.True(queue.GetProperty("paused").GetBoolean());
            Assert.True(queue.GetProperty("waiting").GetInt64() >= 3);
            foreach (var id in held)
            {
                Assert.Equal("queued", (await app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{id}")).GetProperty("status").GetString());
            }

            Assert.False((await PostAsync("/queues/emails/resume")).GetProperty("paused").GetBoolean());
            foreach (var id in held)
            {
                Assert.Equal("done", (await app.WaitForTerminalAsync(id, Timeout)).GetProperty("status").GetString());
            }
        }
        finally
        {
            await PostAsync("/queues/emails/resume");
        }
    }

    [Fact]
    public async Task A_queues_limits_are_set_shown_and_lifted_through_the_api()
    {
        using var set = await app.Api.PutAsJsonAsync("/queues/emails/limits", new { concurrency = 2, rate = new { max = 50, period_ms = 1000 } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var limits = (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("limits");
        Assert.Equal((2, 50, 1000L), (limits.GetProperty("concurrency").GetInt32(),
            limits.GetProperty("rate").GetProperty("max").GetInt32(), limits.GetProperty("rate").GetProperty("period_ms").GetInt64()));

        var limited = await SubmitAsync(6, AppFixture.EmailsQueue);
        foreach (var id in limited)
        {
            Assert.Equal("done", (await app.WaitForTerminalAsync(id, Timeout)).GetProperty("status").GetString());
        }

        using var lifted = await app.Api.PutAsJsonAsync("/queues/emails/limits", new { });
        var none = (await app.Api.GetFromJsonAsync<JsonElement>("/queues/emails")).GetProperty("limits");
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (none.GetProperty("concurrency").ValueKind, none.GetProperty("rate").ValueKind));
    }

    [Fact]
    public async Task A_job_of_the_emails_queue_is_followed_live_from_another_api_replica_and_submitted_by_the_client()
    {
        var submitted = await app.Client.EnqueueAsync(new { to = "ada@example.com" },
            new JobQueue.Client.EnqueueOptions { Queue = AppFixture.EmailsQueue, Delay = TimeSpan.FromSeconds(3) });
        using var replica = new HttpClient { BaseAddress = app.ApiReplica(1) };

        // The delay outlasts the watch's connection even on a loaded machine, so it sees the job scheduled.
        var states = new List<string>();
        await foreach (var update in new JobQueue.Client.JobQueueClient(replica).WatchAsync(submitted.JobId).WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            states.Add(update.Status);
        }

        Assert.Equal(["scheduled", "queued", "processing", "done"], states.Distinct());
        Assert.Equal(AppFixture.EmailsQueue, (await app.Client.GetAsync(submitted.JobId))!.Queue);
    }

    private async Task<IReadOnlyList<string>> SubmitAsync(int count, string? queue)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var body = new Dictionary<string, object> { ["payload"] = i };
            if (queue is not null)
            {
                body["queue"] = queue;
            }

            using var response = await app.Api.PostAsJsonAsync("/jobs", body);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
        }

        return ids;
    }

    private async Task<JsonElement> PostAsync(string path)
    {
        using var response = await app.Api.PostAsync(path, content: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private HashSet<int> PoolPids(string pool) =>
        app.Resources.Of(pool).Where(r => r.Pid is not null).Select(r => r.Pid!.Value).ToHashSet();

    private async Task<HashSet<int>> ConsumerPidsAsync(QueueKeys keys) =>
        (await app.Db.StreamConsumerInfoAsync(keys.Stream, QueueKeys.ConsumerGroup))
            .Where(c => c.IdleTimeInMilliseconds < 60_000)
            .Select(c => int.Parse(c.Name.ToString().Split('-')[^1])).ToHashSet();

    private async Task StopEmailsPoolAsync()
    {
        foreach (var replica in app.Resources.Of(AppFixture.EmailsPool))
        {
            await app.Resources.StopAsync(replica.Id);
        }
    }

    private async Task StartEmailsPoolAsync()
    {
        foreach (var replica in app.Resources.Of(AppFixture.EmailsPool))
        {
            await app.Resources.StartAsync(replica.Id);
        }

        using var timeout = new CancellationTokenSource(Timeout);
        await app.App.ResourceNotifications.WaitForResourceAsync(AppFixture.EmailsPool, KnownResourceStates.Running, timeout.Token);
    }
}
