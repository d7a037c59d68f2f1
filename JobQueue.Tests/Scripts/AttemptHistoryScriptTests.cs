using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Scripts;

/// <summary>The attempt records the claim, completion and cancel scripts keep in a job's hash, and the worker registry, against one real redis-server.</summary>
public sealed class AttemptHistoryScriptTests(RedisServerFixture server) : AttemptHistoryScriptTestsBase(server), IClassFixture<RedisServerFixture>;

/// <summary>The same on a real 3-master Redis Cluster: the records live in the job's hash and the registry in its queue's slot.</summary>
public sealed class ClusterAttemptHistoryScriptTests(RedisClusterFixture cluster) : AttemptHistoryScriptTestsBase(cluster), IClassFixture<RedisClusterFixture>;

/// <summary>
/// Each test drives the scripts as a worker would (claim, complete, reclaim, cancel, retry, register) in a queue of its
/// own and reads the history back through <see cref="JobStore.AttemptsAsync"/> and <see cref="QueueInspector.WorkersAsync"/>.
/// </summary>
public abstract class AttemptHistoryScriptTestsBase(IRedisFixture server)
{
    private const int MaxAttempts = 2;
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static readonly TimeSpan Keep = TimeSpan.FromDays(7);

    private readonly QueueKeys _keys = new("history-" + Guid.NewGuid().ToString("N")[..12]);

    private QueueOptions Options => new() { MaxAttempts = MaxAttempts, Name = _keys.Name };

    private IDatabase Db => server.Redis.GetDatabase();

    private QueueDirectory Directory() => new(server.Redis, Microsoft.Extensions.Options.Options.Create(Options));

    private JobStore Store => new(server.Redis, Directory(), Microsoft.Extensions.Options.Options.Create(Options));

    private QueueInspector Inspector => new(server.Redis, Directory());

    private JobConsumer Consumer(string name) => new(server.Redis, _keys, Options, name);

    /// <summary>A job whose traceparent is the one its enqueue span would have written (no listener records spans here).</summary>
    private async Task<string> EnqueueAsync(string type = "echo")
    {
        var id = (await Store.EnqueueAsync(type, "1")).Job.Id;
        await Db.HashSetAsync(_keys.Job(id), "traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
        return id;
    }

    private async Task<ClaimedJob> ClaimAsync(JobConsumer worker) => Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;

    /// <summary>The attempt records as stored: every field of the job's hash that is one.</summary>
    private async Task<Dictionary<string, string>> RecordsAsync(string id) =>
        (await Db.HashGetAllAsync(_keys.Job(id))).Where(f => f.Name.StartsWith("a:") || f.Name.StartsWith("e:"))
            .ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());

    [Fact]
    public async Task A_claim_records_the_attempts_start_and_its_completion_its_end_and_outcome()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var id = await EnqueueAsync();

        var claimed = await ClaimAsync(worker);
        var running = Assert.Single(await Store.AttemptsAsync(id));
        var startedAt = (await Store.GetRequiredAsync(id)).StartedAt;
        await worker.CompleteAsync(claimed, AttemptOutcome.Succeeded, "1");
        var ended = Assert.Single(await Store.AttemptsAsync(id));
        var done = await Store.GetRequiredAsync(id);

        Assert.Equal(new JobAttempt(1, 1, "w1", startedAt!.Value, null, JobAttempt.Running, null, TraceId, null), running);
        Assert.Equal(running with { EndedAt = done.FinishedAt, Outcome = JobAttempt.Succeeded }, ended);
    }

    [Fact]
    public async Task A_small_jobs_hash_keeps_its_compact_encoding_with_its_attempt_records()
    {
        // A consumer named as a Kubernetes pod's default (<host>-<pid>) is: the start record stays under Redis's 64 bytes.
        var worker = Consumer("jobqueue-worker-7d9f8b6c5-x2kqz-1234567");
        await worker.EnsureGroupAsync();
        var id = await EnqueueAsync();

        var claimed = await ClaimAsync(worker);
        var whileRunning = (string?)await Db.ExecuteAsync("OBJECT", "ENCODING", _keys.Job(id));
        await worker.CompleteAsync(claimed, AttemptOutcome.Succeeded, "1");

        Assert.Equal(("listpack", "listpack"), (whileRunning, (string?)await Db.ExecuteAsync("OBJECT", "ENCODING", _keys.Job(id))));
        Assert.Equal(JobAttempt.Succeeded, Assert.Single(await Store.AttemptsAsync(id)).Outcome);
    }

    [Fact]
    public async Task A_failed_attempt_retried_then_a_success_record_two_attempts_with_the_error_cut_short_on_a_character()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var id = await EnqueueAsync("fail");
        var error = "x" + new string('é', 400); // 801 bytes: the 500th ends inside an 'é'

        Assert.Equal(CompletionResult.Retried, await worker.CompleteAsync(await ClaimAsync(worker), AttemptOutcome.Failed, error));
        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(await ClaimAsync(worker), AttemptOutcome.Succeeded, "2"));
        var attempts = await Store.AttemptsAsync(id);

        Assert.Equal([(1, 1, JobAttempt.Retrying), (2, 2, JobAttempt.Succeeded)], attempts.Select(a => (a.Attempt, a.Run, a.Outcome)));
        Assert.Equal("x" + new string('é', 249), attempts[0].Error); // 499 bytes
        Assert.Null(attempts[1].Error);
        Assert.True(attempts[0].EndedAt <= attempts[1].StartedAt);
        Assert.Equal(error, (await Store.GetRequiredAsync(id)).LastError); // the job's own field keeps it whole
    }

    [Fact]
    public async Task A_reclaim_ends_the_attempt_that_ran_elsewhere_as_lost_and_records_its_own()
    {
        var (stalled, rescuer) = (Consumer("stalled"), Consumer("rescuer"));
        await stalled.EnsureGroupAsync();
        var id = await EnqueueAsync();
        await ClaimAsync(stalled);

        var (reclaimed, _, _) = await rescuer.ReclaimAsync(TimeSpan.Zero, "0-0", 10);
        var second = Assert.Single(await rescuer.ClaimReclaimedAsync(reclaimed)).Job!;
        var attempts = await Store.AttemptsAsync(id);

        Assert.Equal([(1, "stalled", JobAttempt.Lost), (2, "rescuer", JobAttempt.Running)], attempts.Select(a => (a.Run, a.Consumer, a.Outcome)));
        Assert.Equal(attempts[1].StartedAt, attempts[0].EndedAt);
        Assert.Equal("taken over by rescuer", attempts[0].Error);
        Assert.Equal(2, second.Attempt);
    }

    [Fact]
    public async Task A_stale_completion_of_a_zombie_changes_no_attempt_record()
    {
        var (zombie, rescuer) = (Consumer("zombie"), Consumer("rescuer"));
        await zombie.EnsureGroupAsync();
        var id = await EnqueueAsync();
        var first = await ClaimAsync(zombie);
        var (reclaimed, _, _) = await rescuer.ReclaimAsync(TimeSpan.Zero, "0-0", 10);
        var second = Assert.Single(await rescuer.ClaimReclaimedAsync(reclaimed)).Job!;
        var before = await RecordsAsync(id);

        Assert.Equal(CompletionResult.Stale, await zombie.CompleteAsync(first, AttemptOutcome.Succeeded, "\"zombie\""));
        Assert.Equal(before, await RecordsAsync(id));
        Assert.Equal(CompletionResult.Done, await rescuer.CompleteAsync(second, AttemptOutcome.Succeeded, "\"rescuer\""));
        Assert.Equal(CompletionResult.Stale, await zombie.CompleteAsync(first, AttemptOutcome.Failed, "late"));

        Assert.Equal([JobAttempt.Lost, JobAttempt.Succeeded], (await Store.AttemptsAsync(id)).Select(a => a.Outcome));
    }

    [Fact]
    public async Task An_attempt_the_claim_gives_up_on_is_ended_as_lost()
    {
        var (first, second) = (Consumer("w1"), Consumer("w2"));
        await first.EnsureGroupAsync();
        var id = await EnqueueAsync();
        await ClaimAsync(first);
        await Db.HashSetAsync(_keys.Job(id), "attempts", MaxAttempts);

        var (reclaimed, _, _) = await second.ReclaimAsync(TimeSpan.Zero, "0-0", 10);
        Assert.Equal(ClaimOutcome.Exhausted, Assert.Single(await second.ClaimReclaimedAsync(reclaimed)).Outcome);

        var attempt = Assert.Single(await Store.AttemptsAsync(id));
        Assert.Equal(("w1", JobAttempt.Lost, "no attempts left"), (attempt.Consumer, attempt.Outcome, attempt.Error));
        Assert.Equal((await Store.GetRequiredAsync(id)).FinishedAt, attempt.EndedAt);
    }

    [Fact]
    public async Task A_job_canceled_while_it_runs_ends_its_attempt_as_canceled_and_the_attempts_completion_leaves_it()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var id = await EnqueueAsync();
        var claimed = await ClaimAsync(worker);

        await Store.CancelAsync(id);
        var canceled = Assert.Single(await Store.AttemptsAsync(id));
        Assert.Equal(CompletionResult.Canceled, await worker.CompleteAsync(claimed, AttemptOutcome.Failed, "stopped"));

        Assert.Equal((JobAttempt.Canceled, (await Store.GetRequiredAsync(id)).FinishedAt), (canceled.Outcome, canceled.EndedAt));
        Assert.Equal(canceled, Assert.Single(await Store.AttemptsAsync(id)));
    }

    [Fact]
    public async Task Only_the_newest_25_attempts_are_kept()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var id = await EnqueueAsync("fail");
        for (var run = 1; run <= 30; run++)
        {
            Assert.Equal(CompletionResult.Failed, await worker.CompleteAsync(await ClaimAsync(worker), AttemptOutcome.FailedPermanently, $"boom {run}"));
            if (run < 30)
            {
                await Store.RetryAsync(id); // a fresh budget each time: attempt 1, run after run
            }
        }

        var attempts = await Store.AttemptsAsync(id);

        Assert.Equal(Enumerable.Range(6, 25), attempts.Select(a => a.Run));
        Assert.All(attempts, a => Assert.Equal((1, JobAttempt.Failed, $"boom {a.Run}"), (a.Attempt, a.Outcome, a.Error)));
        Assert.Equal(50, (await RecordsAsync(id)).Count);
    }

    [Fact]
    public async Task The_records_live_in_the_job_hash_so_they_expire_with_it_stay_with_a_retry_and_go_with_a_delete()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var id = await EnqueueAsync("fail");
        var expiring = await EnqueueAsync();
        var claims = (await worker.ReadAndClaimAsync(10)).Claims;
        await worker.CompleteAsync(claims.Single(c => c.Entry.JobId == id).Job!, AttemptOutcome.FailedPermanently, "boom");
        Assert.True(await Db.KeyTimeToLiveAsync(_keys.Job(id)) > TimeSpan.FromDays(6)); // a failed job's retention

        await Store.RetryAsync(id);
        Assert.Null(await Db.KeyTimeToLiveAsync(_keys.Job(id)));
        Assert.Equal([JobAttempt.Failed], (await Store.AttemptsAsync(id)).Select(a => a.Outcome));
        await worker.CompleteAsync(await ClaimAsync(worker), AttemptOutcome.Succeeded, "1");
        Assert.Equal([JobAttempt.Failed, JobAttempt.Succeeded], (await Store.AttemptsAsync(id)).Select(a => a.Outcome));
        Assert.Equal(4, (await RecordsAsync(id)).Count); // in the job's own hash: no key of their own

        await Store.DeleteAsync(id);
        Assert.Empty(await Store.AttemptsAsync(id));
        Assert.False(await Db.KeyExistsAsync(_keys.Job(id)));

        await worker.CompleteAsync(claims.Single(c => c.Entry.JobId == expiring).Job!, AttemptOutcome.Succeeded, "1");
        Assert.Single(await Store.AttemptsAsync(expiring));
        await Db.KeyExpireAsync(_keys.Job(expiring), TimeSpan.FromMilliseconds(1)); // its retention ends
        await Task.Delay(20);
        Assert.Empty(await Store.AttemptsAsync(expiring));
    }

    [Fact]
    public async Task Each_attempt_names_its_workers_registration_and_WorkersAsync_lists_every_worker_once_newest_seen_first()
    {
        var (w1, w2) = (Consumer("w1"), Consumer("w2"));
        await w1.EnsureGroupAsync();
        var started = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);
        var registration = new WorkerRegistration("w1", "billing", "billing-1", "host-a", 4242, started, default, [_keys.Name, "emails"]);
        await w2.RegisterWorkerAsync(registration with { Consumer = "w2", Instance = "billing-2", ProcessId = 4343 }, Keep);
        await Task.Delay(5);
        await w1.RegisterWorkerAsync(registration, Keep);
        var id = await EnqueueAsync("fail");
        await w1.CompleteAsync(await ClaimAsync(w1), AttemptOutcome.Failed, "boom");
        var second = await ClaimAsync(w2);
        await w2.RegisterWorkerAsync(registration with { Consumer = "w2", Instance = "billing-2", ProcessId = 4343, Stopped = true }, Keep);
        var now = await Db.NowAsync();

        var attempts = await Store.AttemptsAsync(id);
        var workers = await Inspector.WorkersAsync();

        Assert.Equal(["w1", "w2"], attempts.Select(a => a.Worker?.Consumer));
        var first = attempts[0].Worker!;
        Assert.Equal(("billing", "billing-1", "host-a", 4242, started, false),
            (first.Pool, first.Instance, first.Host, first.ProcessId, first.StartedAt, first.Stopped));
        Assert.Equal([_keys.Name, "emails"], first.Queues);
        Assert.InRange(first.LastSeenAt, now.AddSeconds(-5), now);
        Assert.Equal((4343, true), (attempts[1].Worker!.ProcessId, attempts[1].Worker!.Stopped));
        Assert.Equal(["w2", "w1"], workers.Select(w => w.Consumer)); // w2 was seen last, when it stopped
        Assert.Equal(attempts[1].Worker, workers[0] with { Queues = attempts[1].Worker!.Queues });
        Assert.Equal($"2|{second.EntryId}||{await Db.HashGetAsync(_keys.Job(id), "a:2")}", second.Token);
    }

    [Fact]
    public async Task A_worker_not_seen_for_longer_than_kept_is_forgotten_and_the_registry_expires_after_the_last_one()
    {
        var (old, current) = (Consumer("old"), Consumer("current"));
        var registration = new WorkerRegistration("old", "pool", "old", "host", 1, DateTimeOffset.UtcNow, default, [_keys.Name]);
        await old.RegisterWorkerAsync(registration, Keep);
        var id = await EnqueueAsync();
        await old.EnsureGroupAsync();
        await ClaimAsync(old);
        await Db.SortedSetAddAsync(_keys.WorkersSeen, "old", (await Db.NowAsync()).ToUnixTimeMilliseconds() - Keep.TotalMilliseconds - 1000);

        var forgotten = await current.RegisterWorkerAsync(registration with { Consumer = "current", Instance = "current" }, Keep);

        Assert.Equal(1, forgotten);
        Assert.Equal(["current"], (await Inspector.WorkersAsync()).Select(w => w.Consumer));
        Assert.Null(Assert.Single(await Store.AttemptsAsync(id)).Worker); // the attempt still names its consumer
        Assert.Equal("old", (await Store.AttemptsAsync(id))[0].Consumer);
        Assert.InRange((await Db.KeyTimeToLiveAsync(_keys.Workers))!.Value, Keep - TimeSpan.FromMinutes(1), Keep);
        Assert.InRange((await Db.KeyTimeToLiveAsync(_keys.WorkersSeen))!.Value, Keep - TimeSpan.FromMinutes(1), Keep);
    }
}
