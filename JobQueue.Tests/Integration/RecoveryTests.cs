using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace JobQueue.Tests.Integration;

/// <summary>Jobs survive workers that die, hang or stop: none is lost, none runs more than twice, none is recorded done twice.</summary>
[Collection(AppCollection.Name)]
public sealed class RecoveryTests(AppFixture app) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    // What a worker that claimed a job and then crashed leaves behind: the hash `processing` with its attempts,
    // the entry delivered (pending) to a consumer that is gone, idle for a minute. Refused while other entries
    // wait undelivered, so the fake consumer can only ever take this one.
    private const string InsertStuckJob = """
        local function field(reply, name)
          for i = 1, #reply, 2 do if reply[i] == name then return reply[i + 1] end end
        end
        local stream = redis.call('XINFO', 'STREAM', KEYS[2])
        local groups = redis.call('XINFO', 'GROUPS', KEYS[2])
        if field(groups[1], 'last-delivered-id') ~= field(stream, 'last-generated-id') then
          return redis.error_reply('BUSY entries are waiting; try again')
        end
        local entry = redis.call('XADD', KEYS[2], '*', 'job_id', ARGV[1])
        redis.call('XREADGROUP', 'GROUP', 'workers', 'crashed-worker-1', 'COUNT', 1, 'STREAMS', KEYS[2], '>')
        redis.call('XCLAIM', KEYS[2], 'workers', 'crashed-worker-1', 0, entry, 'IDLE', 60000, 'JUSTID')
        redis.call('HSET', KEYS[1], 'status', 'processing', 'type', 'echo', 'payload', ARGV[2],
          'attempts', ARGV[3], 'created_at', 0, 'entry_id', entry)
        return entry
        """;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => app.RestoreWorkersAsync();

    [Fact]
    public async Task A_job_stuck_in_processing_is_requeued_once_and_finishes_with_two_attempts()
    {
        var jobId = await InsertStuckJobAsync(attempts: 1);

        var job = await app.WaitForTerminalAsync(jobId, Timeout);

        Assert.Contains(job.GetProperty("status").GetString(), new[] { "done", "failed" });
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Equal("""{"stuck":true}""", job.GetProperty("result").GetRawText());
        var entryId = (string)(await app.Db.HashGetAsync(app.Keys.Job(jobId), "entry_id"))!;
        Assert.Empty(await app.Db.StreamRangeAsync(app.Keys.Stream, entryId, entryId));
        Assert.Empty(await app.Db.StreamPendingMessagesAsync(app.Keys.Stream, "workers", 1, RedisValue.Null, entryId, entryId));
    }

    [Fact]
    public async Task A_job_stuck_after_its_last_attempt_fails_instead_of_running_again()
    {
        var jobId = await InsertStuckJobAsync(attempts: 2);

        var job = await app.WaitForTerminalAsync(jobId, Timeout);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Contains("gave up after 2 attempt(s)", job.GetProperty("last_error").GetString());
        var entryId = (string)(await app.Db.HashGetAsync(app.Keys.Job(jobId), "entry_id"))!;
        Assert.Empty(await app.Db.StreamRangeAsync(app.Keys.Stream, entryId, entryId));
    }

    [Fact]
    public async Task A_job_whose_worker_is_killed_mid_run_finishes_on_another_worker_with_two_attempts()
    {
        var jobId = await app.SubmitAsync(new { payload = new { ms = 3000 }, type = "sleep" });
        var pid = await HolderOnceProcessingAsync(jobId);

        Signals.Send(pid, Signals.Kill);

        var job = await app.WaitForTerminalAsync(jobId, Timeout);
        Assert.True(job.GetProperty("status").GetString() == "done", $"the job ended {job}\n{await app.DescribeQueueAsync()}");
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Equal(2, job.GetProperty("result").GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task A_hung_worker_that_wakes_up_after_its_job_was_reclaimed_cannot_record_a_result()
    {
        var jobId = await app.SubmitAsync(new { payload = new { ms = 2500 }, type = "sleep" });
        var pid = await HolderOnceProcessingAsync(jobId);
        var hung = app.WorkerReplicaOf(pid);

        Signals.Send(pid, Signals.Stop);
        JsonElement done;
        try
        {
            done = await app.WaitForStatusAsync(jobId, Timeout, "done");
        }
        finally
        {
            Signals.Send(pid, Signals.Continue);
        }

        // The woken worker's attempt 1 ends now (its sleep is long over); its completion must be refused.
        await Task.Delay(AppFixture.LeaseTimeout * 2);
        var after = await app.GetJobAsync(jobId);
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Equal(2, done.GetProperty("result").GetProperty("attempt").GetInt32());
        Assert.Equal(done.GetRawText(), after.GetRawText());

        // Both attempts are "process" spans of the one trace the submission started, as the Aspire dashboard shows it.
        var traceId = await app.TraceIdOfAsync(jobId);
        List<AspireDashboardTelemetry.Span> attempts;
        try
        {
            attempts = await Eventually.WaitAsync(
                async () => (await app.Telemetry.TraceAsync(traceId)).Where(s => s.Name == "process sleep").ToList(),
                spans => spans.Count == 2, Timeout, "two process spans in the job's trace");
        }
        catch (TimeoutException e)
        {
            // What the woken worker did with its attempt is in its console.
            var lines = await app.Resources.LinesAsync(hung, 40);
            throw new TimeoutException($"{e.Message}\n{hung} (pid {pid}) is {app.Resources.Get(hung).State}; its last lines:\n"
                + string.Join("\n", lines.Select(l => $"{l.Time:HH:mm:ss.fff} {l.Text}")), e);
        }

        Assert.Equal(["1", "2"], attempts.Select(s => s.Attribute("jobqueue.job.attempt")).Order());
    }

    [Fact]
    public async Task A_worker_asked_to_stop_finishes_its_running_job_first()
    {
        var jobId = await app.SubmitAsync(new { payload = new { ms = 1500 }, type = "sleep" });
        var pid = await HolderOnceProcessingAsync(jobId);
        var replica = app.WorkerReplicaOf(pid);

        Signals.Send(pid, Signals.Terminate);

        var job = await app.WaitForTerminalAsync(jobId, Timeout);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        var exited = await Eventually.WaitAsync(
            () => Task.FromResult(app.Resources.Get(replica)),
            r => KnownResourceStates.TerminalStates.Contains(r.State), Timeout, $"{replica} to exit");
        Assert.Equal(0, exited.ExitCode);
    }

    private async Task<string> InsertStuckJobAsync(int attempts)
    {
        var jobId = Guid.NewGuid().ToString("D");
        await Eventually.WaitAsync(async () =>
        {
            try
            {
                await app.Db.ScriptEvaluateAsync(InsertStuckJob, [app.Keys.Job(jobId), app.Keys.Stream],
                    [jobId, """{"stuck":true}""", attempts]);
                return true;
            }
            catch (RedisServerException e) when (e.Message.StartsWith("BUSY", StringComparison.Ordinal))
            {
                return false;
            }
        }, inserted => inserted, Timeout, "an idle queue to insert the stuck job into");
        return jobId;
    }

    private async Task<int> HolderOnceProcessingAsync(string jobId)
    {
        await app.WaitForStatusAsync(jobId, Timeout, "processing");
        return (await app.HolderPidAsync(jobId))!.Value;
    }
}
