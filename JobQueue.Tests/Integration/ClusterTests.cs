using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The AppHost's app, unchanged, on a local Redis Cluster (3 masters, a replica each): its two queues live on different
/// masters, the emails queue spread over 3 partitions; jobs of every kind go through, and a worker killed on it loses nothing.
/// </summary>
[TakesAbout(35)]
public sealed class ClusterTests(ClusterAppFixture app) : IClassFixture<ClusterAppFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Each_queue_lives_on_the_master_of_its_slot_and_the_default_and_emails_queues_are_on_different_masters()
    {
        var masters = app.Redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
        Assert.Equal(3, masters.Count);
        Assert.Equal(3, app.Redis.GetServers().Count(s => s.IsReplica));

        var jobs = app.Redis.GetServer(app.Keys.Stream);
        var emails = app.Redis.GetServer(new QueueKeys(AppFixture.EmailsQueue).Stream);
        Assert.NotEqual(jobs.EndPoint.ToString(), emails.EndPoint.ToString());
        // Each queue's keys are on its own master only: every key a queue has shares its hash tag, so its slot.
        var jobsKeys = await jobs.KeysAsync(pattern: "{jobs}:*").ToArrayAsync();
        Assert.Contains(app.Keys.Stream, jobsKeys);
        Assert.Empty(await emails.KeysAsync(pattern: "{jobs}:*").ToArrayAsync());
        Assert.All(jobsKeys, key => Assert.Equal(app.Redis.HashSlot(app.Keys.Stream), app.Redis.HashSlot(key)));
    }

    [Fact]
    public async Task Jobs_of_both_queues_delays_failures_retries_and_a_workflow_all_go_through_on_the_cluster()
    {
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(await app.SubmitAsync(new { payload = new { i } }));
            ids.Add(await app.SubmitAsync(new { queue = AppFixture.EmailsQueue, payload = new { to = $"user-{i}@example.com" } }));
        }

        var delayed = await app.SubmitAsync(new { payload = new { later = true }, delay_ms = 500 });
        var failing = await app.SubmitAsync(new { type = "fail", payload = 1 });
        using var flow = await app.Api.PostAsJsonAsync("/workflows", new
        {
            jobs = new object[]
            {
                new { @ref = "a", payload = 1 }, new { @ref = "b", payload = 2 },
                new { @ref = "parent", type = "collect", payload = new { }, depends_on = new[] { "a", "b" } },
            },
        });
        flow.EnsureSuccessStatusCode();
        var parent = (await flow.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs")[2].GetProperty("job_id").GetString()!;

        foreach (var id in ids.Append(delayed).Append(parent))
        {
            Assert.Equal("done", (await app.WaitForTerminalAsync(id, Timeout)).GetProperty("status").GetString());
        }

        Assert.Equal(2, (await app.GetJobAsync(parent)).GetProperty("result").EnumerateObject().Count());
        Assert.Equal("failed", (await app.WaitForTerminalAsync(failing, Timeout)).GetProperty("status").GetString());
        using (var retried = await app.Api.PostAsync($"/jobs/{failing}/retry", null))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, retried.StatusCode);
        }

        await app.WaitForStatusAsync(failing, Timeout, "failed");
        Assert.NotEqual(JsonValueKind.Null, (await app.GetJobAsync(failing)).GetProperty("history").ValueKind);
    }

    [Fact]
    public async Task The_emails_queue_of_three_partitions_runs_jobs_in_each_lists_them_as_one_queue_and_refuses_a_workflow_spanning_two()
    {
        var ids = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            ids.Add(await app.SubmitAsync(new { queue = AppFixture.EmailsQueue, payload = new { to = $"spread-{i}@example.com" } }));
        }

        foreach (var id in ids)
        {
            var job = await app.WaitForTerminalAsync(id, Timeout);
            Assert.Equal(("done", AppFixture.EmailsQueue), (job.GetProperty("status").GetString(), job.GetProperty("queue").GetString()));
        }

        var done = await Task.WhenAll(Enumerable.Range(0, 3).Select(p =>
            app.Redis.GetDatabase().HashGetAsync(new QueueKeys(QueuePartitions.NameOf(AppFixture.EmailsQueue, p)).Stats, "done")));
        TestReport.Add($"Emails queue over 3 partitions on the cluster: {string.Join(" / ", done)} jobs done in each");
        Assert.All(done, d => Assert.True((long)d > 0));

        var (listed, cursor) = (new List<string>(), (string?)null);
        do
        {
            var page = await app.Api.GetFromJsonAsync<JsonElement>($"/jobs?queue={AppFixture.EmailsQueue}&limit=25" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            listed.AddRange(page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetString()!));
            cursor = page.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Superset(ids, listed.ToHashSet());
        Assert.Equal(listed.Count, listed.Distinct().Count());
        var stats = await app.Api.GetFromJsonAsync<JsonElement>($"/queues/{AppFixture.EmailsQueue}");
        Assert.True(stats.GetProperty("completed").GetInt64() >= 60, stats.ToString());

        // Groups of two partitions in one workflow: a workflow lives in one partition, so this is refused whole.
        var (a, b) = (Enumerable.Range(0, 100).Select(i => $"g{i}").First(g => QueuePartitions.ForKey(g, 3) == 0),
            Enumerable.Range(0, 100).Select(i => $"g{i}").First(g => QueuePartitions.ForKey(g, 3) == 1));
        using var spanning = await app.Api.PostAsJsonAsync("/workflows", new
        {
            jobs = new object[]
            {
                new { @ref = "a", queue = AppFixture.EmailsQueue, group = a, payload = 1 },
                new { @ref = "b", queue = AppFixture.EmailsQueue, group = b, payload = 2, depends_on = new[] { "a" } },
            },
        });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, spanning.StatusCode);
        Assert.Equal("application/problem+json", spanning.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Batch spans partitions", (await spanning.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var feed = await app.Api.GetAsync($"/queues/{AppFixture.EmailsQueue}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, feed.StatusCode);

        // Each partition enforces a share of a limit: one below the partitions cannot be shared out.
        using var limits = await app.Api.PutAsJsonAsync($"/queues/{AppFixture.EmailsQueue}/limits", new { concurrency = 2 });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, limits.StatusCode);
        Assert.Equal("Limit below partitions", (await limits.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_worker_killed_while_it_runs_a_job_on_the_cluster_loses_it_to_another_worker()
    {
        var jobId = await app.SubmitAsync(new { type = "sleep", payload = new { ms = 1500 } });
        var pid = await Eventually.WaitAsync(() => app.HolderPidAsync(jobId), p => p is not null, Timeout, "a worker to hold the job");

        Signals.Send(pid!.Value, Signals.Kill);

        var job = await app.WaitForTerminalAsync(jobId, Timeout);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        await app.RestoreWorkersAsync();
    }
}
