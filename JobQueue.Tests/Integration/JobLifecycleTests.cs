using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

[Collection(AppCollection.Name)]
public sealed class JobLifecycleTests(AppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_job_goes_from_queued_to_done_with_the_payload_as_result()
    {
        using var response = await app.Api.PostAsJsonAsync("/jobs", new { payload = new { x = 1, tags = new[] { "a", "b" } } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
        Assert.True(Guid.TryParse(jobId, out _));
        Assert.Equal($"/jobs/{jobId}", response.Headers.Location?.ToString());

        var job = await app.WaitForTerminalAsync(jobId, Timeout);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(jobId, job.GetProperty("job_id").GetString());
        Assert.Equal("""{"x":1,"tags":["a","b"]}""", job.GetProperty("result").GetRawText());
        Assert.True(job.GetProperty("attempts").GetInt32() >= 1);
        Assert.True(job.GetProperty("finished_at").GetDateTimeOffset() >= job.GetProperty("created_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_new_job_reports_queued_with_no_result_before_a_worker_takes_it()
    {
        var jobId = await app.SubmitAsync(new { payload = new { ms = 300 }, type = "sleep" });

        var job = await app.GetJobAsync(jobId);

        Assert.Contains(job.GetProperty("status").GetString(), new[] { "queued", "processing" });
        Assert.Equal(JsonValueKind.Null, job.GetProperty("result").ValueKind);
        await app.WaitForTerminalAsync(jobId, Timeout);
    }

    [Fact]
    public async Task The_legacy_submit_and_status_curl_session_works_as_written()
    {
        using var submitted = await app.Api.PostAsJsonAsync("/submit", new { input = "hello world" });
        var body = await submitted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("hello world", body.GetProperty("input").GetString());
        Assert.Equal("queued", body.GetProperty("status").GetString());
        var id = body.GetProperty("id").GetString()!;

        var status = await Eventually.WaitAsync(
            () => app.Api.GetFromJsonAsync<JsonElement>($"/status?id={id}"),
            s => s.GetProperty("status").GetString() == "done", Timeout, "the uppercase job");

        Assert.Equal("HELLO WORLD", status.GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_failing_handler_is_retried_once_then_the_job_fails()
    {
        var jobId = await app.SubmitAsync(new { payload = new { }, type = "fail" });

        var job = await app.WaitForTerminalAsync(jobId, Timeout);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Contains("attempt 2", job.GetProperty("last_error").GetString());
    }

    [Fact]
    public async Task A_handler_that_fails_once_succeeds_on_its_retry()
    {
        var jobId = await app.SubmitAsync(new { payload = new { times = 1 }, type = "fail" });

        var job = await app.WaitForTerminalAsync(jobId, Timeout);

        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Equal(2, job.GetProperty("result").GetProperty("succeeded_on_attempt").GetInt32());
        Assert.Contains("attempt 1", job.GetProperty("last_error").GetString());
    }

    [Fact]
    public async Task A_job_of_a_type_no_worker_handles_is_refused_with_a_400()
    {
        using var response = await app.Api.PostAsJsonAsync("/jobs", new { payload = 1, type = "no-such-type" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("no-such-type", problem.GetProperty("detail").GetString());
        Assert.Contains("echo", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_job_of_an_unknown_type_written_straight_into_redis_fails_without_a_retry()
    {
        var jobId = Guid.NewGuid().ToString("D");
        await app.Db.ScriptEvaluateAsync("""
            redis.call('HSET', KEYS[1], 'status', 'queued', 'type', 'no-such-type', 'payload', '1', 'attempts', 0, 'created_at', 0)
            redis.call('HSET', KEYS[1], 'entry_id', redis.call('XADD', KEYS[2], '*', 'job_id', ARGV[1]))
            """, [app.Keys.Job(jobId), app.Keys.Stream], [jobId]);

        var job = await app.WaitForTerminalAsync(jobId, Timeout);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Contains("No handler is registered for job type 'no-such-type'", job.GetProperty("last_error").GetString());
    }

    [Fact]
    public async Task A_handler_that_runs_past_the_job_timeout_is_cancelled_and_counts_as_a_failed_attempt()
    {
        var jobId = await app.SubmitAsync(new { payload = new { ms = 60_000 }, type = "sleep" });

        var job = await app.WaitForTerminalAsync(jobId, AppFixture.JobTimeout * 2 + Timeout);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Equal($"timed out after {AppFixture.JobTimeout}", job.GetProperty("last_error").GetString());
    }
}
