using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// Generated hostile input (CsCheck) in every endpoint's string, number, name and cursor fields. Each answer is a 2xx or a
/// 4xx problem, never a 5xx; a 4xx leaves Redis as it was (keys and the default stream's length); and after each request
/// every read of the system still answers 2xx, what was accepted included (a job, its owner's listing and feed, a
/// schedule): a 2xx that stored something no reader can read is the same bug as a 500, found later. Each class of input
/// has a fixed number of cases; a failure names CsCheck's seed, which replays it (environment variable CsCheck_Seed).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class HostileInputPropertyTests(AppFixture app, ITestOutputHelper output)
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public Task Job_submissions() => SampleAsync("POST /jobs fields", 100, HostileRequests.Job);

    [Fact]
    public Task Job_submissions_at_the_size_limit() => SampleAsync("POST /jobs bodies around 1 MiB", 6, HostileRequests.JobOfSize);

    [Fact]
    public Task Workflow_submissions() => SampleAsync("POST /workflows", 40, HostileRequests.Workflow);

    [Fact]
    public Task Schedules() => SampleAsync("PUT /schedules/{name}", 50, HostileRequests.Schedule);

    [Fact]
    public Task Job_listings() => SampleAsync("GET /jobs query", 50, HostileRequests.JobListing);

    [Fact]
    public Task Dead_letter_listings() => SampleAsync("GET /dead-letters query", 30, HostileRequests.DeadLetterListing);

    [Fact]
    public Task Queue_names_and_settings() => SampleAsync("/queues/{name}/... and queue parameters", 50, HostileRequests.QueueRequest);

    [Fact]
    public Task Feed_resume_points() => SampleAsync("feed resume points (after, Last-Event-ID)", 30, HostileRequests.FeedRequest);

    [Fact]
    public Task Idempotency_keys() => SampleAsync("Idempotency-Key headers", 30, HostileRequests.IdempotencyKey);

    [Fact]
    public Task Other_bodies() => SampleAsync("POST /feed-tokens, POST /submit, PUT event-log bodies", 30, HostileRequests.OtherBody);

    /// <summary>
    /// Values at the nesting limit are read back by every reader: a payload 32 deep by the job, the listings, the owner's
    /// feed and the schedule list; collected by a chain of <c>collect</c> parents, each wrapping its child's result 2 deeper,
    /// until a result would nest deeper than readers may read (56): that parent fails, saying why, and stays readable.
    /// </summary>
    [Fact]
    public async Task Values_at_the_nesting_limit_are_read_back_by_every_reader()
    {
        var owner = "edge-" + Guid.NewGuid().ToString("N")[..8];
        var payload = JsonText.Nest(32, "1", key: null);
        var chain = new StringBuilder($$"""{"jobs":[{"ref":"c0","type":"echo","owner":"{{owner}}","payload":{{payload}}}""");
        for (var i = 1; i <= 13; i++)
        {
            chain.Append($$""",{"ref":"c{{i}}","type":"collect","owner":"{{owner}}","payload":{},"depends_on":["c{{i - 1}}"]}""");
        }

        using var accepted = await app.Api.PostAsync("/workflows", new StringContent(chain.Append("]}").ToString(), Encoding.UTF8, "application/json"));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var ids = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs").EnumerateArray()
            .Select(job => job.GetProperty("job_id").GetString()!).ToList();

        var last = await app.WaitForTerminalAsync(ids[^1], TimeSpan.FromSeconds(60));
        Assert.Equal("failed", last.GetProperty("status").GetString());
        Assert.Contains("nest", last.GetProperty("last_error").GetString());
        var deepest = await app.GetJobAsync(ids[^2]);
        Assert.Equal("done", deepest.GetProperty("status").GetString());
        Assert.Equal(56, Depth(deepest.GetProperty("result")));
        Assert.Equal(32, Depth((await app.GetJobAsync(ids[0])).GetProperty("payload")));

        var schedule = "edge-" + Guid.NewGuid().ToString("N")[..8];
        using (var put = await app.Api.PutAsync($"/schedules/{schedule}", new StringContent(
                   $$"""{"cron":"0 0 1 1 *","job":{"owner":"{{owner}}","payload":{{payload}}""" + "}}", Encoding.UTF8, "application/json")))
        {
            Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        }

        await SystemReads.AssertAllAnswerAsync(app.Api, "values at the nesting limit", owner);
        await SystemReads.AssertOwnerFeedShowsAsync(app.Api, owner, ids, "values at the nesting limit");
        foreach (var id in ids)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Api.GetAsync($"/jobs/{id}")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Api.GetAsync($"/schedules/{schedule}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Api.DeleteAsync($"/schedules/{schedule}")).StatusCode);
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> generated requests one at a time (Redis must be quiet to tell what a refusal wrote),
    /// each checked by <see cref="ProbeAsync"/>, and reports how each was answered.
    /// </summary>
    private async Task SampleAsync(string inputClass, int iterations, Gen<HostileRequest> requests)
    {
        await WaitUntilQuietAsync();
        await RealValues.EnsureAsync(app);
        var answers = new Dictionary<Answer, int>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await requests.SampleAsync(async request =>
        {
            var answer = await ProbeAsync(request);
            answers[answer] = answers.GetValueOrDefault(answer) + 1;
        }, writeLine: output.WriteLine, iter: iterations, threads: 1, print: request => request.ToString());
        output.WriteLine($"{inputClass}: {answers.Values.Sum()} cases in {clock.Elapsed.TotalSeconds:F1} s");
        var (refused, byKestrel) = (answers.GetValueOrDefault(Answer.Refused), answers.GetValueOrDefault(Answer.RefusedByKestrel));
        TestReport.Add($"Bad input: generated {inputClass}: {answers.Values.Sum()} cases, {refused + byKestrel} refused 4xx with Redis unchanged " +
            $"({byKestrel} of them by Kestrel before the API, without a body), {answers.GetValueOrDefault(Answer.Accepted)} accepted and read back by every reader");
    }

    /// <summary>How a generated request was answered.</summary>
    private enum Answer
    {
        Accepted,
        Refused,
        RefusedByKestrel,
    }

    /// <summary>Sends the request and checks its answer and what it left.</summary>
    private async Task<Answer> ProbeAsync(HostileRequest request)
    {
        var before = await SnapshotAsync();
        using var message = request.ToMessage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await app.Api.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var status = (int)response.StatusCode;
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync(timeout.Token);
        Assert.True(status < 500, $"answered {status}: {Shorten(body)}");
        if (status < 400)
        {
            var owners = await ReadBackAsync(request, response, body);
            await SystemReads.AssertAllAnswerAsync(app.Api, request.ToString(), ["user-1", .. owners]);
            return Answer.Accepted;
        }

        // Kestrel refuses a request line it cannot take (a NUL in the path, a URL over 8 KiB) itself, before the API runs:
        // an empty 4xx that closes the connection, the one answer that cannot be a problem.
        var byKestrel = body.Length == 0 && response.Content.Headers.ContentType is null && response.Headers.ConnectionClose == true;
        if (!byKestrel)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"a {status} that is no problem: {Shorten(body)}");
            Assert.Equal(status, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        }

        var after = await SnapshotAsync();
        Assert.True(after.NothingAddedSince(before),
            $"refused with {status} ({Shorten(body)}), but Redis changed: {before} -> {after}; new keys: {string.Join(", ", after.Keys.Except(before.Keys))}");
        await SystemReads.AssertAllAnswerAsync(app.Api, request.ToString(), "user-1");
        return byKestrel ? Answer.RefusedByKestrel : Answer.Refused;
    }

    /// <summary>
    /// Reads back what an accepted request made (each job once it settled, its owner's feed, the schedule) and undoes what
    /// would disturb the next cases (a schedule, a queue's limits or event log): the owners of the jobs it made.
    /// </summary>
    private async Task<IReadOnlyList<string>> ReadBackAsync(HostileRequest request, HttpResponseMessage response, string body)
    {
        switch (request.Makes)
        {
            case Made.Jobs:
                var answer = JsonDocument.Parse(body).RootElement;
                var ids = answer.TryGetProperty("jobs", out var jobs)
                    ? jobs.EnumerateArray().Select(job => job.GetProperty("job_id").GetString()!).ToList()
                    : [(answer.TryGetProperty("job_id", out var id) ? id : answer.GetProperty("id")).GetString()!];
                var owned = new List<(string Owner, string JobId)>();
                foreach (var jobId in ids)
                {
                    if ((await SettleAsync(jobId)).GetProperty("owner").GetString() is { } owner)
                    {
                        owned.Add((owner, jobId));
                    }
                }

                foreach (var jobsOfOwner in owned.GroupBy(o => o.Owner))
                {
                    await SystemReads.AssertOwnerFeedShowsAsync(app.Api, jobsOfOwner.Key, [.. jobsOfOwner.Select(o => o.JobId)], request.ToString());
                }

                return [.. owned.Select(o => o.Owner).Distinct()];
            case Made.Schedule:
                var location = response.Headers.Location?.ToString() ?? request.Path;
                using (var read = await app.Api.GetAsync(location))
                {
                    Assert.True(read.IsSuccessStatusCode, $"the schedule at {location} answered {(int)read.StatusCode}: {await read.Content.ReadAsStringAsync()}");
                }

                await SystemReads.AssertAllAnswerAsync(app.Api, request.ToString());
                using (var deleted = await app.Api.DeleteAsync(request.Path))
                {
                    Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
                }

                return [];
            case Made.QueueSettings:
                // Lift what it set: limits or an event log left on would change how the next cases' jobs run.
                using (await app.Api.PutAsync(request.Path, new StringContent(request.Path.EndsWith("/limits") ? "{}" : """{"max_length":0}""",
                           Encoding.UTF8, "application/json")))
                {
                }

                return [];
            default:
                return [];
        }
    }

    /// <summary>The job once no worker will touch it again soon: ended, waiting for a dependency, or scheduled for later.</summary>
    private async Task<JsonElement> SettleAsync(string jobId)
    {
        var job = await Eventually.WaitAsync(() => app.GetJobAsync(jobId), job => job.GetProperty("status").GetString() switch
        {
            "done" or "failed" or "canceled" or "waiting" => true,
            "scheduled" => job.GetProperty("run_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(1),
            _ => false,
        }, SettleTimeout, $"accepted job {jobId} to settle");
        return job;
    }

    /// <summary>
    /// What a refusal must leave as it was: the keys (but leases, which expire and come back on their own: a process's
    /// announcement that it listens, the housekeeping lease) and the entries in the stream. A key that expires meanwhile
    /// (a job's retention ran out) is no change of the request's.
    /// </summary>
    private async Task<Snapshot> SnapshotAsync()
    {
        var keys = (StackExchange.Redis.RedisResult[])(await app.Db.ScriptEvaluateAsync(LastingKeys))!;
        return new Snapshot(keys.Select(k => k.ToString()!).ToHashSet(), await app.Db.StreamLengthAsync(app.Keys.Stream));
    }

    private const string LastingKeys = """
        local lasting = {}
        for _, key in ipairs(redis.call('KEYS', '*')) do
          local ttl = redis.call('PTTL', key)
          if ttl == -1 or ttl > 60000 then lasting[#lasting + 1] = key end
        end
        return lasting
        """;

    private sealed record Snapshot(IReadOnlySet<string> Keys, long Entries)
    {
        /// <summary>Nothing written since <paramref name="before"/>: no key it lacked, the same entries.</summary>
        public bool NothingAddedSince(Snapshot before) => Keys.IsSubsetOf(before.Keys) && Entries == before.Entries;

        public override string ToString() => $"{Keys.Count} keys, {Entries} entries";
    }

    /// <summary>Waits until nothing changes Redis (other tests' jobs ran out), so that a refusal's check sees only itself.</summary>
    private async Task WaitUntilQuietAsync()
    {
        var last = await SnapshotAsync();
        await Eventually.WaitAsync(async () =>
        {
            await Task.Delay(400);
            var (previous, now) = (last, await SnapshotAsync());
            last = now;
            return now.NothingAddedSince(previous) && previous.NothingAddedSince(now) && now.Entries == 0;
        }, quiet => quiet, TimeSpan.FromSeconds(60), "Redis to be quiet");
    }

    private static string Shorten(string text) => text.Length <= 500 ? text : text[..500] + "...";

    private static int Depth(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => 1 + value.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        JsonValueKind.Object => 1 + value.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        _ => 0,
    };
}
