using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using JobQueue.Client;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JobQueue.Tests.Integration;

/// <summary>Live updates across API replicas, cancellation, dead letters and retries, delays, idempotency, listing.</summary>
[Collection(AppCollection.Name)]
public sealed class JobOperationsTests(AppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_websocket_on_one_api_replica_and_sse_on_the_other_both_receive_every_state_of_a_job()
    {
        using var replicaA = new HttpClient { BaseAddress = app.ApiReplica(0) };
        var jobs = new JobQueueClient(replicaA);
        // Delayed, so the watchers connect while it is still scheduled and see it through every state.
        var job = await jobs.EnqueueAsync(new { ms = 600, steps = 2 }, new EnqueueOptions { Type = "sleep", Delay = TimeSpan.FromMilliseconds(1500) });

        var overWebSocket = WebSocketStatesAsync(app.ApiReplica(0), job.JobId);
        var overSse = SseStatesAsync(app.ApiReplica(1), job.JobId);
        var (ws, sse) = (await overWebSocket.WaitAsync(Timeout), await overSse.WaitAsync(Timeout));

        foreach (var states in new[] { ws, sse })
        {
            Assert.Equal(["scheduled", "queued", "processing", "done"], states.Select(s => s.Status).Distinct());
            // Every change, none skipped: versions follow one another from the first state to the last.
            Assert.Equal(Enumerable.Range((int)states[0].Version, states.Count).Select(v => (long)v), states.Select(s => s.Version));
            Assert.Contains(states, s => s.Progress?.GetRawText() == """{"step":1,"of":2}""");
            Assert.Equal(600, states[^1].Result!.Value.GetProperty("slept_ms").GetInt32());
        }

        Assert.Equal(ws.Select(s => s.Version), sse.Select(s => s.Version));
    }

    [Fact]
    public async Task A_watcher_gets_every_change_whose_message_comes_after_a_quiet_keep_alive_interval_in_order()
    {
        await using var watch = await WatchQuietJobAsync();
        var (job, keys, updates) = (watch.JobId, watch.Keys, watch.Updates);

        // Two changes whose messages are still on their way (a loaded machine, a slow link to Redis) while keep-alive
        // intervals pass: the record already says the second.
        await app.Db.HashSetAsync(keys.Job(job), [new("status", "processing"), new("version", 3)]);
        await Task.Delay(AppFixture.KeepAliveInterval * 3);
        foreach (var (version, status) in new[] { (2, "queued"), (3, "processing") })
        {
            await app.Redis.GetSubscriber().PublishAsync(keys.Events,
                $$"""{"job_id":"{{job}}","version":{{version}},"status":"{{status}}","attempts":0}""");
        }

        await app.Client.CancelAsync(job); // a change of its own (version 4), and the watch's end
        var seen = new List<string>();
        while (await updates.MoveNextAsync())
        {
            seen.Add(updates.Current.Status);
        }

        Assert.Equal(["queued", "processing", "canceled"], seen);
    }

    [Fact]
    public async Task A_watcher_gets_a_change_whose_message_was_lost_once_the_apis_connection_to_redis_is_back()
    {
        await using var watch = await WatchQuietJobAsync();
        var (job, keys, updates) = (watch.JobId, watch.Keys, watch.Updates);

        // The job ends while the API cannot hear it: the change is in the record, its message lost with the connection.
        await app.Db.HashSetAsync(keys.Job(job), [new("status", "canceled"), new("version", 2)]);
        await app.Db.SortedSetRemoveAsync(keys.Scheduled, job);
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(app.Redis.Configuration + ",allowAdmin=true"))
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        }

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal(("canceled", 2L), (updates.Current.Status, updates.Current.Version));
    }

    [Fact]
    public async Task A_watcher_gets_a_change_that_went_unpublished_while_redis_had_lost_its_apis_announcement_as_a_listener()
    {
        await using var watch = await WatchQuietJobAsync();
        var (job, keys, updates) = (watch.JobId, watch.Keys, watch.Updates);

        // Redis loses the queue's listeners (a failover to a replica that never got them, a flush) and the job is
        // canceled meanwhile: a job without an owner, nobody listed as listening, so the change is not published.
        var announced = await app.Db.KeyExistsAsync(keys.Listeners);
        await app.Db.KeyDeleteAsync(keys.Listeners);
        await app.Client.CancelAsync(job);

        // The API's next renewal finds its announcement gone, and the watch reads the job again.
        Assert.True(announced);
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("canceled", updates.Current.Status);
    }

    /// <summary>
    /// A job scheduled an hour ahead (nothing but the test changes it), its queue's keys, and a watch of it on the first
    /// API replica that has sent its first state, "scheduled".
    /// </summary>
    private async Task<QuietJobWatch> WatchQuietJobAsync()
    {
        var job = await app.Client.EnqueueAsync(new { to = "ada@example.com" }, new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        var keys = new QueueKeys((await app.Client.GetAsync(job.JobId))!.Queue!);
        var replica = new HttpClient { BaseAddress = app.ApiReplica(0) };
        var stop = new CancellationTokenSource(Timeout);
        var watch = new QuietJobWatch(job.JobId, keys, new JobQueueClient(replica).WatchAsync(job.JobId, stop.Token).GetAsyncEnumerator(), replica, stop);
        Assert.True(await watch.Updates.MoveNextAsync());
        Assert.Equal("scheduled", watch.Updates.Current.Status);
        return watch;
    }

    private sealed record QuietJobWatch(string JobId, QueueKeys Keys, IAsyncEnumerator<JobUpdate> Updates, HttpClient Replica, CancellationTokenSource Stop)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Updates.DisposeAsync();
            Replica.Dispose();
            Stop.Dispose();
        }
    }

    [Fact]
    public async Task A_scheduled_job_that_is_canceled_never_runs()
    {
        var job = await app.Client.EnqueueAsync(new { x = 1 }, new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(1500) });

        var canceled = await app.Client.CancelAsync(job.JobId);
        await Task.Delay(2500);
        var later = await app.Client.GetAsync(job.JobId);

        Assert.Equal("canceled", canceled.Status);
        Assert.Equal("canceled", later!.Status);
        Assert.Equal(0, later.Attempts);
        Assert.Null(later.StartedAt);
        using var again = await app.Api.DeleteAsync($"/jobs/{job.JobId}");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_running_job_that_is_canceled_has_its_handler_stopped_and_ends_canceled()
    {
        var job = await app.Client.EnqueueAsync(new { ms = 30_000, steps = 30 }, new EnqueueOptions { Type = "sleep" });
        await app.WaitForStatusAsync(job.JobId, Timeout, "processing");

        using var response = await app.Api.DeleteAsync($"/jobs/{job.JobId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("canceled", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        // The worker stopped the handler (long before its 30 s) and let go of the stream entry.
        await Eventually.WaitAsync(async () => (await app.Resources.LinesOfAllAsync("worker", 500)).Where(l => l.Text.Contains($"Job {job.JobId} (sleep) was canceled", StringComparison.Ordinal)).ToList(),
            logs => logs.Count > 0, TimeSpan.FromSeconds(10), "the worker to report the handler stopped");
        var entryId = (string)(await app.Db.HashGetAsync(app.Keys.Job(job.JobId), "entry_id"))!;
        await Eventually.WaitAsync(async () => (await app.Db.StreamRangeAsync(app.Keys.Stream, entryId, entryId)).Length,
            left => left == 0, TimeSpan.FromSeconds(10), "the canceled job's entry to be let go");
        var final = await app.Client.GetAsync(job.JobId);
        Assert.Equal("canceled", final!.Status);
        Assert.Equal(1, final.Attempts);
    }

    [Fact]
    public async Task A_job_that_fails_for_good_is_dead_lettered_and_a_retry_succeeds_with_a_fresh_budget()
    {
        var job = await app.Client.EnqueueAsync(new { times = 2 }, new EnqueueOptions { Type = "fail" });
        var failed = await app.Client.WaitForCompletionAsync(job.JobId).WaitAsync(Timeout);
        Assert.Equal("failed", failed.Status);
        Assert.Equal(2, failed.Attempts);
        var letter = (await DeadLettersAsync()).Single(l => l.GetProperty("job_id").GetString() == job.JobId);
        Assert.Equal(2, letter.GetProperty("attempts").GetInt32());
        Assert.Contains("failed attempt 2 on purpose", letter.GetProperty("error").GetString());

        await app.Client.RetryAsync(job.JobId);
        var done = await app.Client.WaitForCompletionAsync(job.JobId).WaitAsync(Timeout);

        Assert.Equal("done", done.Status);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(3, done.Result!.Value.GetProperty("run").GetInt32());
        var history = Assert.Single(done.History!.Value.EnumerateArray());
        Assert.Equal(2, history.GetProperty("attempts").GetInt32());
        Assert.DoesNotContain(await DeadLettersAsync(), l => l.GetProperty("job_id").GetString() == job.JobId);
        using var again = await app.Api.PostAsync($"/jobs/{job.JobId}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Fifty_concurrent_submissions_with_one_idempotency_key_make_one_job()
    {
        var key = "order-" + Guid.NewGuid();
        var options = new EnqueueOptions { IdempotencyKey = key };

        var submissions = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.Client.EnqueueAsync(new { order = 42 }, options)));

        var jobId = Assert.Single(submissions.Select(s => s.JobId).Distinct());
        Assert.Single(submissions, s => !s.Replayed);
        Assert.NotNull(await app.Db.SortedSetScoreAsync(app.Keys.Jobs, jobId));
        var done = await app.Client.WaitForCompletionAsync(jobId).WaitAsync(Timeout);
        Assert.Equal(1, done.Attempts);
        var different = await Assert.ThrowsAsync<JobQueueException>(() => app.Client.EnqueueAsync(new { order = 43 }, options));
        Assert.Equal(422, different.Status);
    }

    [Fact]
    public async Task A_job_with_its_own_policy_backs_off_between_attempts_visibly_and_succeeds_within_its_attempts()
    {
        using var submitted = await app.Api.PostAsJsonAsync("/jobs", new
        {
            type = "fail", payload = new { times = 2 }, max_attempts = 3, backoff = new { type = "fixed", delay_ms = 2000 }, // long enough to be seen waiting under a loaded CI
        });
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;

        var waiting = await Eventually.WaitAsync(() => app.GetJobAsync(id), j => j.GetProperty("status").GetString() == "scheduled",
            Timeout, "the job to back off after its first failure");
        Assert.Equal(1, waiting.GetProperty("attempts").GetInt32());
        Assert.Contains("failed attempt 1 on purpose", waiting.GetProperty("last_error").GetString());
        Assert.True(waiting.GetProperty("run_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMilliseconds(-100), "run_at says when it runs next");
        var policy = waiting.GetProperty("policy");
        Assert.Equal(3, policy.GetProperty("max_attempts").GetInt32());
        Assert.Equal(2000, policy.GetProperty("backoff").GetProperty("delay_ms").GetInt64());

        var done = await app.WaitForTerminalAsync(id, Timeout);
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal(3, done.GetProperty("attempts").GetInt32());
        var backingOff = done.GetProperty("started_at").GetDateTimeOffset() - done.GetProperty("created_at").GetDateTimeOffset();
        Assert.True(backingOff >= TimeSpan.FromMilliseconds(4000), $"the third attempt started {backingOff} after submission; two back-offs are 4 s");
    }

    [Fact]
    public async Task The_client_submits_a_jobs_own_policy_and_a_policy_out_of_bounds_comes_back_as_its_problem()
    {
        var job = await app.Client.EnqueueAsync(new { x = 1 }, new EnqueueOptions
        {
            MaxAttempts = 4, Backoff = BackoffOptions.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), Timeout = TimeSpan.FromSeconds(20),
        });

        var state = await app.Client.GetAsync(job.JobId);
        Assert.Equal("""{"max_attempts":4,"backoff":{"type":"exponential","delay_ms":1000,"max_delay_ms":30000},"timeout_ms":20000}""",
            state!.Policy!.Value.GetRawText());
        var refused = await Assert.ThrowsAsync<JobQueueException>(() => app.Client.EnqueueAsync(1, new EnqueueOptions { MaxAttempts = 99 }));
        Assert.Equal((400, "Invalid job submission", "max_attempts is from 1 to 25."), (refused.Status, refused.Title, refused.Detail));
    }

    [Fact]
    public async Task A_delayed_job_starts_not_before_its_time()
    {
        // Times are stored in whole milliseconds: compare at that precision.
        var submitted = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var job = await app.Client.EnqueueAsync(new { x = 1 }, new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(1500) });
        Assert.Equal("scheduled", job.Status);

        var done = await app.Client.WaitForCompletionAsync(job.JobId).WaitAsync(Timeout);

        Assert.Equal("done", done.Status);
        // Its time is run_at, set from the moment the API took the request; created_at is when Redis wrote the job, which
        // under load may be tens of milliseconds later, so the start is compared with run_at.
        Assert.True(done.RunAt >= submitted.AddMilliseconds(1500), $"run_at {done.RunAt:o} is before {submitted.AddMilliseconds(1500):o}");
        Assert.True(done.StartedAt >= done.RunAt, $"started at {done.StartedAt:o}, before its run_at {done.RunAt:o}");
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_page_by_page_and_by_status()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await app.Client.EnqueueAsync(new { i }, new EnqueueOptions { Type = "fail", })).JobId);
        }

        foreach (var id in ids)
        {
            await app.Client.WaitForCompletionAsync(id).WaitAsync(Timeout);
        }

        var listed = new List<string>();
        string? cursor = null;
        do
        {
            var page = await app.Api.GetFromJsonAsync<JsonElement>($"/jobs?status=failed&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            var jobs = page.GetProperty("jobs").EnumerateArray().ToList();
            Assert.InRange(jobs.Count, 0, 2);
            Assert.All(jobs, j => Assert.Equal("failed", j.GetProperty("status").GetString()));
            listed.AddRange(jobs.Select(j => j.GetProperty("job_id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null && !ids.All(listed.Contains));

        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal(Enumerable.Reverse(ids), listed.Where(ids.Contains));
    }

    [Fact]
    public async Task The_queue_endpoint_reports_the_stream_the_consumers_and_the_totals()
    {
        await app.Client.WaitForCompletionAsync((await app.Client.EnqueueAsync(new { x = 1 })).JobId).WaitAsync(Timeout);

        var queue = await app.Api.GetFromJsonAsync<JsonElement>("/queue");

        Assert.True(queue.GetProperty("consumers").GetArrayLength() >= 3);
        Assert.True(queue.GetProperty("completed").GetInt64() >= 1);
        Assert.True(queue.GetProperty("stream_length").GetInt64() >= 0);
    }

    [Fact]
    public async Task The_api_publishes_its_openapi_document_and_a_reference_page()
    {
        var document = await app.Api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        using var page = await app.Api.GetAsync("/docs/index.html");

        foreach (var path in new[] { "/jobs", "/jobs/{id}", "/jobs/{id}/events", "/jobs/{id}/ws", "/jobs/{id}/cancel", "/jobs/{id}/retry", "/dead-letters", "/queue",
                     "/queues", "/queues/{name}", "/queues/{name}/pause", "/queues/{name}/resume", "/queues/{name}/limits" })
        {
            Assert.Contains(path, paths);
        }

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<List<JsonElement>> DeadLettersAsync() =>
        [.. (await app.Api.GetFromJsonAsync<JsonElement>("/dead-letters?limit=100")).GetProperty("dead_letters").EnumerateArray()];

    private static async Task<List<JobUpdate>> WebSocketStatesAsync(Uri replica, string jobId)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{replica.Authority}/jobs/{jobId}/ws"), CancellationToken.None);
        var states = new List<JobUpdate>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var message = new StringBuilder();
            WebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                message.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
            }
            while (!received.EndOfMessage);

            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                return states;
            }

            states.Add(JsonSerializer.Deserialize<JobUpdate>(message.ToString(), SnakeCase)!);
        }
    }

    private static async Task<List<JobUpdate>> SseStatesAsync(Uri replica, string jobId)
    {
        using var http = new HttpClient { BaseAddress = replica };
        var states = new List<JobUpdate>();
        await foreach (var update in new JobQueueClient(http).WatchAsync(jobId))
        {
            states.Add(update);
        }

        return states;
    }

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public async Task Over_http_a_scheduled_job_runs_now_an_ended_one_is_purged_and_dead_letters_are_retried_and_deleted_by_type()
    {
        var later = await app.SubmitAsync(new { payload = new { later = true }, delay_ms = 3_600_000 });
        using (var promoted = await app.Api.PostAsync($"/jobs/{later}/promote", null))
        {
            Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        }

        Assert.Equal("done", (await app.WaitForTerminalAsync(later, Timeout)).GetProperty("status").GetString());
        using (var again = await app.Api.PostAsync($"/jobs/{later}/promote", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        using (var purged = await app.Api.DeleteAsync($"/jobs/{later}?purge=true"))
        {
            Assert.Equal(HttpStatusCode.NoContent, purged.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await app.Api.GetAsync($"/jobs/{later}")).StatusCode);

        var failed = new[] { await app.SubmitAsync(new { type = "fail", payload = 1 }), await app.SubmitAsync(new { type = "fail", payload = 2 }) };
        foreach (var jobId in failed)
        {
            await app.WaitForStatusAsync(jobId, Timeout, "failed");
        }

        using var retried = await app.Api.PostAsync("/dead-letters/retry?type=fail", null);
        Assert.True((await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32() >= failed.Length);
        foreach (var jobId in failed)
        {
            Assert.NotEqual(JsonValueKind.Null, (await app.GetJobAsync(jobId)).GetProperty("history").ValueKind);
            await app.WaitForStatusAsync(jobId, Timeout, "failed"); // the fail handler fails again
        }

        using var deleted = await app.Api.DeleteAsync("/dead-letters?type=fail");
        Assert.True((await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32() >= failed.Length);
        Assert.DoesNotContain((await app.Db.StreamRangeAsync(app.Keys.Dead)), e => e["type"] == "fail");
        Assert.All(failed, jobId => Assert.False(app.Db.KeyExists(app.Keys.Job(jobId))));
    }
}
