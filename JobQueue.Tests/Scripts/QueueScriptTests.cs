using System.Text.Json;
using CsCheck;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Scripts;

/// <summary>Each Lua script against one real redis-server; every test works in a queue of its own.</summary>
public sealed class QueueScriptTests(RedisServerFixture server) : QueueScriptTestsBase(server), IClassFixture<RedisServerFixture>;

/// <summary>
/// The same script tests on a real 3-master Redis Cluster: every script touches one queue's slot only (its keys share
/// the queue's hash tag), so each runs there unchanged, on whichever master serves the test's queue.
/// </summary>
public sealed class ClusterQueueScriptTests(RedisClusterFixture cluster) : QueueScriptTestsBase(cluster), IClassFixture<RedisClusterFixture>;

/// <summary>Each Lua script against a real Redis; every test works in a queue of its own.</summary>
public abstract class QueueScriptTestsBase(IRedisFixture server)
{
    private const int MaxAttempts = 2;
    private readonly QueueKeys _keys = new("test-" + Guid.NewGuid().ToString("N")[..12]);

    private QueueOptions Options => new() { MaxAttempts = MaxAttempts, Name = _keys.Name };

    private IDatabase Db => server.Redis.GetDatabase();

    private JobStore Store
    {
        get
        {
            var options = Microsoft.Extensions.Options.Options.Create(Options);
            return new(server.Redis, new QueueDirectory(server.Redis, options), options);
        }
    }

    private QueueMaintenance Maintenance() => new(server.Redis, _keys, Options);

    private QueueInspector Inspector() => new(server.Redis, new QueueDirectory(server.Redis, Microsoft.Extensions.Options.Options.Create(Options)));

    private JobConsumer Consumer(string name) => new(server.Redis, _keys, Options, name);

    /// <summary>Takes over the first entry idle in the group for <paramref name="rescuer"/> and claims it (a reclaim's new attempt).</summary>
    private static async Task<ClaimedJob> TakeOverAsync(JobConsumer rescuer)
    {
        var (reclaimed, _, _) = await rescuer.ReclaimAsync(TimeSpan.Zero, "0-0", 10);
        return (await rescuer.ClaimReclaimedAsync(reclaimed))[0].Job!;
    }

    /// <summary>Delivers waiting entries to <paramref name="consumer"/> without claiming them: a worker that died between the two (or an older worker version).</summary>
    private Task DeliverWithoutClaimAsync(JobConsumer consumer) =>
        Db.ExecuteAsync("XREADGROUP", "GROUP", QueueKeys.ConsumerGroup, consumer.Name, "COUNT", 10, "STREAMS", _keys.Stream, ">");

    private async Task<JobRecord> EnqueueAsync(string type, string payloadJson) => (await Store.EnqueueAsync(type, payloadJson)).Job;

    /// <summary>Subscribes to the queue's change messages as an API process following a job does: announced as a listener first.</summary>
    private async Task<ChannelMessageQueue> ListenAsync()
    {
        await new QueueListeners(server.Redis).AnnounceAsync(_keys, "test");
        // A message queue delivers in order (a callback handler may run two messages at once).
        return await server.Redis.GetSubscriber().SubscribeAsync(_keys.Events);
    }

    [Fact]
    public async Task Every_change_is_published_as_a_message_the_change_record_reads()
    {
        var messages = await ListenAsync();

        var job = await EnqueueAsync("echo", """{"x":1}""");
        var owned = (await Store.EnqueueAsync(new NewJob("echo", "2", Owner: "user-1"))).Job;

        var message = (await messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Message.ToString();
        Assert.True(JobChange.TryParse(message, out var change, out _));
        Assert.Equal(new JobChange(job.Id, 1, "queued", 0, null, null, null), change);
        // A job a feed can see (it has an owner) also says who, what and when: what its owner's feed sends.
        Assert.True(JobChange.TryParse((await messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Message.ToString(), out var ownedChange, out _));
        Assert.Equal(new JobChange(owned.Id, 1, "queued", 0, null, null, null, "user-1", ownedChange.At, Type: "echo"), ownedChange);
        Assert.InRange(ownedChange.At, owned.CreatedAt.ToUnixTimeMilliseconds(), owned.CreatedAt.ToUnixTimeMilliseconds() + 1);
        Assert.False(JobChange.TryParse("""{"job_id": 7}""", out _, out var reason));
        Assert.NotEmpty(reason);
    }

    [Fact]
    public async Task A_change_of_a_job_without_an_owner_is_published_only_while_a_process_listens()
    {
        var messages = await server.Redis.GetSubscriber().SubscribeAsync(_keys.Events);
        var listeners = new QueueListeners(server.Redis);
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var unheard = await EnqueueAsync("echo", "1");
        await worker.CompleteAsync((await worker.ReadAndClaimAsync(10)).Claims.Single().Job!, AttemptOutcome.Succeeded, "1");
        var owned = (await Store.EnqueueAsync(new NewJob("echo", "2", Owner: "user-1"))).Job; // its owner's feed may be open
        await listeners.AnnounceAsync(_keys, "api-1");
        var heard = await EnqueueAsync("echo", "3");
        await Db.SortedSetRemoveAsync(_keys.Listeners, "api-1"); // its lease passed
        await EnqueueAsync("echo", "4");
        var last = (await Store.EnqueueAsync(new NewJob("echo", "5", Owner: "user-1"))).Job;

        // Messages arrive in the order they were published: whatever came between them was not.
        var received = new List<string>();
        while (received.LastOrDefault() != last.Id)
        {
            Assert.True(JobChange.TryParse((await messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Message.ToString(), out var change, out _));
            received.Add(change.JobId);
        }

        Assert.Equal([owned.Id, heard.Id, last.Id], received);
        Assert.DoesNotContain(unheard.Id, received);
    }

    [Fact]
    public async Task A_listener_whose_lease_passed_is_forgotten_the_set_expires_with_the_last_lease_and_a_renewal_tells_a_lapse()
    {
        var listeners = new QueueListeners(server.Redis);
        await Db.SortedSetAddAsync(_keys.Listeners, "died-an-hour-ago", (await Db.NowAsync()).AddHours(-1).ToUnixTimeMilliseconds());
        Assert.False(await listeners.AnnounceAsync(_keys, "api-1")); // a first announcement
        Assert.True(await listeners.AnnounceAsync(_keys, "api-1"));  // renewed in time

        Assert.Equal(["api-1"], (await Db.SortedSetRangeByRankAsync(_keys.Listeners)).Select(m => m.ToString()));
        Assert.InRange((await Db.KeyTimeToLiveAsync(_keys.Listeners))!.Value, TimeSpan.FromSeconds(1), QueueListeners.Lease);
        await Db.KeyDeleteAsync(_keys.Listeners); // lost by Redis
        Assert.False(await listeners.AnnounceAsync(_keys, "api-1")); // the renewal tells
    }

    [Fact]
    public async Task A_published_change_carries_any_result_and_error_text_exactly()
    {
        // Text a handler returns or throws (quotes, backslashes, slashes, control characters, any script) reaches a
        // listener of the change messages as it was written.
        var messages = await ListenAsync();
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var texts = Gen.Frequency(
            (3, (IGen<string>)Gen.Char['\0', '\u00FF'].Array[0, 24].Select(chars => new string(chars))),
            (1, Gen.OneOf("\"", "\\", "/", "\u2028", "日本語", "😀", "a-b_c.d:e", "", "null", "{\"a\":\"\\\"\"}", "1e400")));
        await Gen.Select(texts, texts).SampleAsync(async (result, error) =>
        {
            var succeeds = await EnqueueAsync("echo", "1");
            var fails = await EnqueueAsync("echo", "2");
            var claims = (await worker.ReadAndClaimAsync(10)).Claims.ToDictionary(c => c.Entry.JobId, c => c.Job!);
            var resultJson = JsonSerializer.Serialize(result);
            Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(claims[succeeds.Id], AttemptOutcome.Succeeded, resultJson));
            await worker.CompleteAsync(claims[fails.Id], AttemptOutcome.FailedPermanently, error);

            var final = new Dictionary<string, JobChange>();
            while (final.Count < 2)
            {
                var message = (await messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Message.ToString();
                Assert.True(JobChange.TryParse(message, out var change, out var reason), reason);
                if (JobStatus.IsTerminal(change.Status))
                {
                    final[change.JobId] = change;
                }
            }

            Assert.Equal(("done", resultJson), (final[succeeds.Id].Status, final[succeeds.Id].ResultJson));
            Assert.Equal(("failed", error), (final[fails.Id].Status, final[fails.Id].Error));
        }, iter: 60, threads: 1);
    }

    [Fact]
    public async Task Enqueue_writes_the_job_hash_and_its_stream_entry_together()
    {
        var job = await EnqueueAsync("echo", """{"x":1}""");

        var hash = (await Db.HashGetAllAsync(_keys.Job(job.Id))).ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        Assert.Equal("queued", hash["status"]);
        Assert.Equal("echo", hash["type"]);
        Assert.Equal("""{"x":1}""", hash["payload"]);
        Assert.Equal("0", hash["attempts"]);
        Assert.True(long.Parse(hash["created_at"]) > 0);
        var entries = await Db.StreamRangeAsync(_keys.Stream);
        var entry = Assert.Single(entries);
        Assert.Equal(hash["entry_id"], entry.Id.ToString());
        // The entry names the job and the optional fields its hash holds (none), and nothing more: every field it carried
        // would be written and read back per job.
        Assert.Equal([("job_id", job.Id), ("has", "")], entry.Values.Select(v => (v.Name.ToString(), v.Value.ToString())));
    }

    [Fact]
    public async Task The_optional_fields_a_job_holds_are_named_by_its_entry_and_its_token_and_its_claim_and_completion_use_each()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        await Db.HashSetAsync(_keys.Controls, "group_concurrency", 5); // a group's running jobs are counted
        var job = (await Store.EnqueueAsync(new NewJob("fail", "1", Policy: new JobPolicy(MaxAttempts: 3, Timeout: TimeSpan.FromSeconds(9)),
            Group: "tenant-1", Owner: "user-1"))).Job;
        Assert.Equal("mtgo", (await Db.StreamRangeAsync(_keys.Stream)).Single()["has"]);

        var first = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        Assert.Equal(new JobPolicy(MaxAttempts: 3, Timeout: TimeSpan.FromSeconds(9)), first.Policy);
        Assert.StartsWith($"1|{first.EntryId}|mtgo|", first.Token);

        // Retried at once (no back-off): the new entry names the same fields.
        Assert.Equal(CompletionResult.Retried, await worker.CompleteAsync(first, AttemptOutcome.Failed, "boom"));
        Assert.Equal("mtgo", (await Db.StreamRangeAsync(_keys.Stream)).Single(e => e.Id != first.EntryId)["has"]);
        await AssertTheCompletionUsedTheGroupAndOwnerAsync(worker, job.Id);
    }

    [Fact]
    public async Task An_entry_an_older_version_wrote_without_has_is_claimed_with_every_optional_field_its_job_holds()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        await Db.HashSetAsync(_keys.Controls, "group_concurrency", 5);
        var job = (await Store.EnqueueAsync(new NewJob("echo", "1", Policy: new JobPolicy(MaxAttempts: 3), Group: "tenant-1", Owner: "user-1"))).Job;
        var written = (await Db.StreamRangeAsync(_keys.Stream)).Single().Id;
        await Db.StreamDeleteAsync(_keys.Stream, [written]);
        var older = await Db.StreamAddAsync(_keys.Stream, [new NameValueEntry("job_id", job.Id)]);
        await Db.HashSetAsync(_keys.Job(job.Id), "entry_id", older);

        var claim = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;

        Assert.Equal(new JobPolicy(MaxAttempts: 3), claim.Policy);
        Assert.StartsWith($"1|{older}|mgo|", claim.Token);
        await AssertTheCompletionUsedTheGroupAndOwnerAsync(worker, job.Id, claim);
    }

    /// <summary>
    /// Completes the job's attempt (claiming it first unless <paramref name="claim"/> is given): it leaves its group's
    /// running set, and its owner's index has it at the time it ended.
    /// </summary>
    private async Task AssertTheCompletionUsedTheGroupAndOwnerAsync(JobConsumer worker, string jobId, ClaimedJob? claim = null)
    {
        claim ??= Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        var running = _keys.JobPrefix[..^"job:".Length] + "group:tenant-1:running";
        Assert.Equal([jobId], (await Db.SetMembersAsync(running)).Select(m => m.ToString()));

        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(claim, AttemptOutcome.Succeeded, "1"));

        Assert.Empty(await Db.SetMembersAsync(running));
        var ended = (await Store.GetAsync(jobId))!.FinishedAt!.Value.ToUnixTimeMilliseconds();
        Assert.Equal(ended, (long)(await Db.SortedSetScoreAsync(_keys.OwnerIndex("user-1"), jobId))!);
    }

    [Fact]
    public async Task Scripts_a_server_no_longer_holds_as_after_a_restart_are_loaded_again_by_their_next_call()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        await EnqueueAsync("echo", "1");
        var first = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(first, AttemptOutcome.Succeeded, "1"));
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true"))
        {
            foreach (var node in admin.GetServers().Where(s => !s.IsReplica))
            {
                await node.ScriptFlushAsync();
            }
        }

        var job = await EnqueueAsync("echo", "2");
        var second = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        var completed = await worker.CompleteAsync(second, AttemptOutcome.Succeeded, "2");

        Assert.Equal((job.Id, CompletionResult.Done), (second.JobId, completed));
        Assert.Equal("done", (await Store.GetAsync(job.Id))!.Status);
    }

    [Fact]
    public async Task Enqueue_refuses_an_id_that_exists_and_writes_nothing()
    {
        var job = await EnqueueAsync("echo", "1");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => QueueScripts.Enqueue.EvaluateAsync(
            Db, [_keys.Stream, _keys.Jobs, _keys.Scheduled, _keys.Types, _keys.Job(job.Id)],
            [_keys.Events.ToString(), 0, 0, _keys.JobPrefix, 1, job.Id, "echo", "2", "", 0, 0, ""]));

        Assert.StartsWith("JOB_EXISTS", error.Message);
        Assert.Equal(1, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal("1", (string?)await Db.HashGetAsync(_keys.Job(job.Id), "payload"));
    }

    [Fact]
    public async Task Once_workers_registered_their_types_enqueue_refuses_any_other_and_writes_nothing()
    {
        var accepted = await EnqueueAsync("anything", "1");
        await Consumer("w1").RegisterTypesAsync(["echo", "sleep"]);

        var refused = await Assert.ThrowsAsync<UnknownJobTypeException>(() => Store.EnqueueAsync("resize", "1"));
        await EnqueueAsync("sleep", """{"ms":1}""");

        Assert.Equal("anything", accepted.Type);
        Assert.Contains("handler for job type 'resize'. Its pools handle: echo, sleep.", refused.Message);
        Assert.Equal(2, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal(2, await Db.SortedSetLengthAsync(_keys.Jobs));
    }

    [Fact]
    public async Task A_batch_is_written_in_one_step_in_order_each_job_whole()
    {
        var runAt = DateTimeOffset.UtcNow.AddHours(1);
        var results = await Store.EnqueueManyAsync(
        [
            new NewJob("echo", """{"n":1}"""), new NewJob("sleep", """{"ms":1}""", RunAt: runAt), new NewJob("echo", """{"n":3}"""),
        ]);

        Assert.Equal(["queued", "scheduled", "queued"], results.Select(r => r.Job.Status));
        var entries = await Db.StreamRangeAsync(_keys.Stream);
        Assert.Equal([results[0].Job.Id, results[2].Job.Id], entries.Select(e => e["job_id"].ToString()));
        Assert.Equal(results[1].Job.Id, (string?)(await Db.SortedSetRangeByRankAsync(_keys.Scheduled)).Single());
        Assert.Equal(3, await Db.SortedSetLengthAsync(_keys.Jobs));
        foreach (var (result, payload) in results.Zip(new[] { """{"n":1}""", """{"ms":1}""", """{"n":3}""" }))
        {
            var stored = await Store.GetAsync(result.Job.Id);
            Assert.Equal((result.Job.Type, payload), (stored!.Type, stored.PayloadJson));
        }
    }

    [Fact]
    public async Task A_batch_with_one_refused_job_writes_none_of_them()
    {
        await Consumer("w1").RegisterTypesAsync(["echo"]);
        await Store.EnqueueAsync("echo", "0", idempotencyKey: "order-7");

        var unknown = await Assert.ThrowsAsync<UnknownJobTypeException>(() =>
            Store.EnqueueManyAsync([new NewJob("echo", "1"), new NewJob("resize", "2")]));
        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() =>
            Store.EnqueueManyAsync([new NewJob("echo", "3"), new NewJob("echo", "4", IdempotencyKey: "order-7")]));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.EnqueueManyAsync([new NewJob("echo", "5", IdempotencyKey: "a"), new NewJob("echo", "6", IdempotencyKey: "a")]));

        Assert.Contains("'resize'", unknown.Message);
        Assert.Equal(1, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal(1, await Db.SortedSetLengthAsync(_keys.Jobs));
    }

    [Fact]
    public async Task A_batch_replays_a_job_submitted_before_under_the_same_idempotency_key()
    {
        var first = (await Store.EnqueueAsync("echo", "1", idempotencyKey: "order-8")).Job;

        var results = await Store.EnqueueManyAsync([new NewJob("echo", "2"), new NewJob("echo", "1", IdempotencyKey: "order-8")]);

        Assert.Equal([false, true], results.Select(r => r.Replayed));
        Assert.Equal(first.Id, results[1].Job.Id);
        Assert.Equal(2, await Db.StreamLengthAsync(_keys.Stream));
    }

    [Fact]
    public async Task A_hash_with_a_status_no_script_writes_is_failed_and_dead_lettered()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        await Db.HashSetAsync(_keys.Job(job.Id), "status", "banana");

        var claim = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims);

        Assert.Equal(ClaimOutcome.Unreadable, claim.Outcome);
        Assert.Equal("failed", (string?)await Db.HashGetAsync(_keys.Job(job.Id), "status"));
        var letter = Assert.Single(await Db.StreamRangeAsync(_keys.Dead));
        Assert.Contains("status 'banana'", letter["error"].ToString());
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
    }

    [Fact]
    public async Task A_job_with_an_owner_is_in_its_owners_index_at_the_time_of_its_last_change_and_read_back_in_its_current_state()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var mine = (await Store.EnqueueManyAsync([new NewJob("echo", "1", Owner: "user-1"), new NewJob("echo", "2", Owner: "user-1")])).Select(r => r.Job).ToList();
        var theirs = (await Store.EnqueueAsync(new NewJob("echo", "3", Owner: "user-2"))).Job;
        var claims = (await worker.ReadAndClaimAsync(10)).Claims;
        var first = claims.Single(c => c.Entry.JobId == mine[0].Id).Job!;
        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(first, AttemptOutcome.Succeeded, "\"one\""));

        var doneAt = (long)(await Db.SortedSetScoreAsync(_keys.OwnerIndex("user-1"), mine[0].Id))!;
        var startedAt = (long)(await Db.SortedSetScoreAsync(_keys.OwnerIndex("user-1"), mine[1].Id))!;
        var all = await Store.LatestOwnerJobsAsync("user-1");
        var since = await Store.OwnerJobsChangedSinceAsync("user-1", doneAt).ToListAsync();

        Assert.Equal(mine.Select(j => j.Id).Order(), all.Select(j => j.JobId).Order());
        Assert.Equal(all.Select(j => j.ChangedAt).Order(), all.Select(j => j.ChangedAt)); // oldest change first
        Assert.Equal("done", all.Single(j => j.JobId == mine[0].Id).Status);
        Assert.Equal("processing", all.Single(j => j.JobId == mine[1].Id).Status);
        Assert.True(doneAt >= startedAt);
        Assert.Contains(since, j => j.JobId == mine[0].Id);
        Assert.DoesNotContain(await Store.OwnerJobsChangedSinceAsync("user-1", doneAt + 1).ToListAsync(), j => j.JobId == mine[0].Id);
        Assert.Equal([theirs.Id], await Store.OwnerJobsChangedSinceAsync("user-2", 0).Select(j => j.JobId).ToListAsync());
        Assert.True(await Db.KeyTimeToLiveAsync(_keys.OwnerIndex("user-1")) > TimeSpan.FromDays(6)); // trimmed and expiring once a job ended
    }

    [Fact]
    public async Task The_start_and_the_end_of_an_attempt_are_published_with_the_jobs_last_error_and_progress()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var messages = await server.Redis.GetSubscriber().SubscribeAsync(_keys.Events);
        var job = (await Store.EnqueueAsync(new NewJob("fail", "1", Owner: "user-1"))).Job; // an owner's job: always published
        var first = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        await worker.CompleteAsync(first, AttemptOutcome.Failed, "boom 1");
        var second = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        await worker.ReportProgressAsync(second, """{"step":1}""");
        await worker.CompleteAsync(second, AttemptOutcome.Succeeded, "2");

        var published = new List<JobChange>();
        while (published.Count < 6)
        {
            Assert.True(JobChange.TryParse((await messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Message.ToString(), out var change, out _));
            published.Add(change);
        }

        Assert.All(published, c => Assert.Equal(job.Id, c.JobId));
        Assert.Equal(["queued", "processing", "queued", "processing", "processing", "done"], published.Select(c => c.Status));
        Assert.Equal((2, "boom 1", null), (published[3].Attempts, published[3].Error, published[3].ProgressJson));
        Assert.Equal(("boom 1", """{"step":1}""", "2"), (published[5].Error, published[5].ProgressJson, published[5].ResultJson));
    }

    [Fact]
    public async Task The_event_log_is_off_until_set_then_records_every_change_in_order_and_each_published_change_carries_its_entry_id()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        await Store.EnqueueAsync("echo", "0");
        Assert.False(await Db.KeyExistsAsync(_keys.EventLog));

        // The log on, every change is published, whether or not a process announced that it listens.
        var messages = await server.Redis.GetSubscriber().SubscribeAsync(_keys.Events);
        await Db.HashSetAsync(_keys.Controls, "event_log_length", 100);
        var job = await EnqueueAsync("echo", "1");
        var claim = (await worker.ReadAndClaimAsync(10)).Claims.Single(c => c.Entry.JobId == job.Id);
        await worker.ReportProgressAsync(claim.Job!, """{"step":1}""");
        await worker.CompleteAsync(claim.Job!, AttemptOutcome.Succeeded, "1");

        var log = (await Db.StreamRangeAsync(_keys.EventLog)).Where(e => e["data"].ToString().Contains(job.Id)).ToList();
        Assert.Equal(["queued", "processing", "progress", "done"], log.Select(e => e["event"].ToString()));
        var published = new List<JobChange>();
        while (published.Count < 4)
        {
            Assert.True(JobChange.TryParse((await messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Message.ToString(), out var change, out _));
            if (change.JobId == job.Id)
            {
                published.Add(change);
            }
        }

        Assert.Equal(log.Select(e => e.Id.ToString()), published.Select(c => c.EventId));
        Assert.Equal([1L, 2, 3, 4], published.Select(c => c.Version));
    }

    [Fact]
    public async Task Claim_marks_the_job_processing_under_a_fresh_token_and_counts_the_attempt()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", """{"x":1}""");

        var claim = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims);

        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Equal(1, claim.Job!.Attempt);
        Assert.Equal("""{"x":1}""", claim.Job.PayloadJson);
        var state = await Db.HashGetAsync(_keys.Job(job.Id), ["status", "attempts", "runs", "a:1"]);
        Assert.Equal(["processing", "1", "1"], state.Take(3).Select(v => v.ToString()));
        // The token names the claim: its run, its entry, the optional fields its job holds (none), and the start record
        // the claim wrote (attempt, time, consumer).
        Assert.Equal($"1|{claim.Entry.EntryId}||{state[3]}", claim.Job.Token);
        var startedAt = (await Store.GetAsync(job.Id))!.StartedAt!.Value;
        Assert.Equal($"1|{startedAt.ToUnixTimeMilliseconds()}|w1", state[3].ToString());
    }

    [Fact]
    public async Task Read_and_claim_takes_waiting_entries_in_one_call_and_dead_letters_an_entry_naming_no_job()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        Assert.Empty((await worker.ReadAndClaimAsync(10)).Claims);
        var first = await EnqueueAsync("echo", "1");
        var odd = await Db.StreamAddAsync(_keys.Stream, [new NameValueEntry("job_id", "not-a-job")]);
        var second = await EnqueueAsync("echo", "2");

        var claims = (await worker.ReadAndClaimAsync(10)).Claims;

        Assert.Equal([ClaimOutcome.Claimed, ClaimOutcome.Malformed, ClaimOutcome.Claimed], claims.Select(c => c.Outcome));
        Assert.Equal([first.Id, second.Id], claims.Where(c => c.Job is not null).Select(c => c.Job!.JobId));
        Assert.All(claims.Where(c => c.Job is not null), c => Assert.Equal(1, c.Job!.Attempt));
        Assert.Equal("processing", (string?)await Db.HashGetAsync(_keys.Job(second.Id), "status"));
        Assert.Equal(odd.ToString(), claims[1].Entry.EntryId);
        var letter = Assert.Single(await Db.StreamRangeAsync(_keys.Dead));
        Assert.Contains($"stream entry {odd} names no valid job_id (fields: job_id not-a-job)", letter["error"].ToString());
        Assert.Equal(2, (await Db.StreamPendingAsync(_keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
        Assert.Empty((await worker.ReadAndClaimAsync(10)).Claims);
    }

    [Fact]
    public async Task Jobs_claimed_in_one_take_each_get_their_own_attempt_run_and_version()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var retried = (await Store.EnqueueAsync(new NewJob("echo", "1", Policy: new JobPolicy(MaxAttempts: 10)))).Job;
        var fresh = await EnqueueAsync("echo", "2");
        // As a job retried by hand after three attempts over four runs would stand.
        await Db.HashSetAsync(_keys.Job(retried.Id), [new("attempts", 3), new("runs", 4), new("version", 7)]);

        var claims = (await worker.ReadAndClaimAsync(10)).Claims;

        Assert.Equal([4, 1], claims.Select(c => c.Job!.Attempt));
        var (a, b) = (await Db.HashGetAllAsync(_keys.Job(retried.Id)), await Db.HashGetAllAsync(_keys.Job(fresh.Id)));
        string Field(HashEntry[] hash, string name) => hash.Single(f => f.Name == name).Value.ToString();
        Assert.Equal([$"5|{claims[0].Entry.EntryId}|m|{Field(a, "a:5")}", $"1|{claims[1].Entry.EntryId}||{Field(b, "a:1")}"],
            claims.Select(c => c.Job!.Token));
        Assert.Equal(["4", "5", "8"], new[] { "attempts", "runs", "version" }.Select(f => Field(a, f)));
        Assert.Equal(["1", "1", "2"], new[] { "attempts", "runs", "version" }.Select(f => Field(b, f)));
        var started = (await Store.GetAsync(retried.Id))!.StartedAt!.Value.ToUnixTimeMilliseconds();
        Assert.Equal($"4|{started}|w1", Field(a, "a:5"));
        Assert.Equal($"1|{started}|w1", Field(b, "a:1")); // taken together: the same start
    }

    [Fact]
    public async Task A_take_is_drained_exactly_when_no_entry_is_left_behind_the_ones_it_took()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        Assert.True((await worker.ReadAndClaimAsync(10)).Drained);
        for (var i = 0; i < 3; i++)
        {
            await EnqueueAsync("echo", i.ToString());
        }

        var first = await worker.ReadAndClaimAsync(2);
        var last = await worker.ReadAndClaimAsync(1); // all it asked for, and the last one there

        Assert.Equal((2, false), (first.Claims.Count, first.Drained));
        Assert.Equal((1, true), (last.Claims.Count, last.Drained));

        // The newest entry taken is one a worker drops (its job was canceled while it waited): drained all the same.
        var kept = await EnqueueAsync("echo", "3");
        var canceled = await EnqueueAsync("echo", "4");
        await Store.CancelAsync(canceled.Id);
        var dropped = await worker.ReadAndClaimAsync(2);
        Assert.Equal([ClaimOutcome.Claimed, ClaimOutcome.Finished], dropped.Claims.Select(c => c.Outcome));
        Assert.Equal(kept.Id, dropped.Claims[0].Job!.JobId);
        Assert.True(dropped.Drained);

        // And not drained while one waits behind the take, however many the take got.
        await EnqueueAsync("echo", "5");
        await EnqueueAsync("echo", "6");
        Assert.False((await worker.ReadAndClaimAsync(1)).Drained);
    }

    [Fact]
    public async Task Claim_dead_letters_a_delivered_entry_whose_job_id_is_not_one_JobQueue_writes()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var odd = await Db.StreamAddAsync(_keys.Stream, [new NameValueEntry("job_id", "{jobs}:job:../x")]);

        var claim = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims);

        Assert.Equal(ClaimOutcome.Malformed, claim.Outcome);
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Contains($"stream entry {odd} names no valid job_id", (await Db.StreamRangeAsync(_keys.Dead))[0]["error"].ToString());
    }

    [Fact]
    public async Task A_completion_batch_with_a_decision_it_does_not_know_is_refused_whole()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var (first, second) = (await EnqueueAsync("echo", "1"), await EnqueueAsync("echo", "2"));
        var claims = (await worker.ReadAndClaimAsync(10)).Claims.ToDictionary(c => c.Entry.JobId, c => c.Job!);
        var done = new NextStep(AttemptDecision.Done, TimeSpan.Zero);
        var call = new CompleteScriptCall(_keys, Options, [new AttemptEnd(claims[first.Id], done, "1"), new AttemptEnd(claims[second.Id], done, "2")]);
        call.Arguments[^2] = "retry"; // the second attempt's decision: neither done, fail nor a delay

        var error = await Assert.ThrowsAsync<RedisServerException>(() => QueueScripts.Complete.EvaluateAsync(Db, call.Keys, call.Arguments));

        Assert.StartsWith("BAD_DECISION retry", error.Message);
        Assert.Equal(["processing", "processing"], await Task.WhenAll(
            new[] { first.Id, second.Id }.Select(async id => (await Db.HashGetAsync(_keys.Job(id), "status")).ToString())));
        Assert.Equal(2, (await Db.StreamPendingAsync(_keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
    }

    [Fact]
    public async Task Read_and_claim_reports_a_missing_group_as_NOGROUP()
    {
        await EnqueueAsync("echo", "1");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => Consumer("w1").ReadAndClaimAsync(10));

        Assert.StartsWith("NOGROUP", error.Message);
    }

    [Fact]
    public async Task Claim_acknowledges_and_drops_entries_whose_job_is_finished_or_gone()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var finished = await EnqueueAsync("echo", "1");
        var gone = await EnqueueAsync("echo", "2");
        await Db.HashSetAsync(_keys.Job(finished.Id), "status", "done");
        await Db.KeyDeleteAsync(_keys.Job(gone.Id));

        var claims = (await worker.ReadAndClaimAsync(10)).Claims;

        Assert.All(claims, c => Assert.Equal(ClaimOutcome.Finished, c.Outcome));
        Assert.Equal(2, claims.Count);
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal(0, (await Db.StreamPendingAsync(_keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
        Assert.Equal("done", (string?)await Db.HashGetAsync(_keys.Job(finished.Id), "status"));
    }

    [Fact]
    public async Task Claim_fails_a_reclaimed_job_that_has_used_all_its_attempts()
    {
        var (first, second) = (Consumer("w1"), Consumer("w2"));
        await first.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        await first.ReadAndClaimAsync(10);
        await Db.HashSetAsync(_keys.Job(job.Id), "attempts", MaxAttempts);

        var (reclaimed, _, _) = await second.ReclaimAsync(TimeSpan.Zero, "0-0", 10);
        var claim = Assert.Single(await second.ClaimReclaimedAsync(reclaimed));

        Assert.Equal(ClaimOutcome.Exhausted, claim.Outcome);
        var state = await Db.HashGetAsync(_keys.Job(job.Id), ["status", "attempts", "last_error"]);
        Assert.Equal("failed", state[0].ToString());
        Assert.Equal("2", state[1].ToString());
        Assert.Contains("gave up after 2 attempt(s)", state[2].ToString());
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
    }

    [Fact]
    public async Task Claim_counts_deliveries_so_an_entry_reclaimed_again_and_again_cannot_run_past_the_limit()
    {
        var (first, second, third) = (Consumer("w1"), Consumer("w2"), Consumer("w3"));
        await first.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        await DeliverWithoutClaimAsync(first);                 // delivery 1: the worker dies before claiming
        await second.ReclaimAsync(TimeSpan.Zero, "0-0", 10); // delivery 2: dies again before claiming

        var (reclaimed, _, _) = await third.ReclaimAsync(TimeSpan.Zero, "0-0", 10); // delivery 3
        var claim = Assert.Single(await third.ClaimReclaimedAsync(reclaimed));

        Assert.Equal(ClaimOutcome.Exhausted, claim.Outcome);
        Assert.Equal("failed", (string?)await Db.HashGetAsync(_keys.Job(job.Id), "status"));
    }

    [Fact]
    public async Task The_attempt_limit_of_a_reclaimed_entry_is_the_jobs_own_else_its_types_else_the_queues()
    {
        var (first, second, third) = (Consumer("w1"), Consumer("w2"), Consumer("w3"));
        await first.EnsureGroupAsync();
        var own = (await Store.EnqueueAsync("echo", "1", policy: new JobPolicy(MaxAttempts: 3))).Job;
        await DeliverWithoutClaimAsync(first);                 // delivery 1: the worker dies before claiming
        await second.ReclaimAsync(TimeSpan.Zero, "0-0", 10); // delivery 2: dies again

        var (reclaimed, _, _) = await third.ReclaimAsync(TimeSpan.Zero, "0-0", 10); // delivery 3: the job allows 3
        var claim = Assert.Single(await third.ClaimReclaimedAsync(reclaimed));
        Assert.Equal((ClaimOutcome.Claimed, 3), (claim.Outcome, claim.Job!.Attempt));
        Assert.Equal(new JobPolicy(MaxAttempts: 3), claim.Job.Policy);

        var typed = await EnqueueAsync("resize", "2");
        var strict = new JobConsumer(server.Redis, _keys, Options, "w4", new Dictionary<string, int> { ["resize"] = 1 });
        await DeliverWithoutClaimAsync(first);                  // delivery 1 of the resize job: dies before claiming
        var (again, _, _) = await strict.ReclaimAsync(TimeSpan.Zero, "0-0", 10);
        var refused = Assert.Single(await strict.ClaimReclaimedAsync([.. again.Where(e => e.JobId == typed.Id)]));
        Assert.Equal(ClaimOutcome.Exhausted, refused.Outcome);
    }

    [Fact]
    public async Task A_job_its_group_limit_holds_back_waits_out_of_the_stream_and_is_released_once_its_group_has_room()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        await Db.HashSetAsync(_keys.Controls, "group_concurrency", 1);
        var jobs = await Store.EnqueueManyAsync([.. Enumerable.Range(0, 3).Select(i => new NewJob("echo", $"{i}", Group: "tenant-1"))]);
        var (first, canceled, third) = (jobs[0].Job.Id, jobs[1].Job.Id, jobs[2].Job.Id);

        var take = (await worker.ReadAndClaimAsync(10)).Claims;
        Assert.Equal([ClaimOutcome.Claimed, ClaimOutcome.Held, ClaimOutcome.Held], take.Select(c => c.Outcome));
        var stats = await Inspector().StatsAsync(_keys.Name);
        Assert.Equal((Waiting: 0L, Pending: 1L), (stats.Waiting, stats.Pending)); // only the running job's entry is left
        var held = await Store.GetRequiredAsync(third);
        Assert.Equal((JobStatus.Queued, "tenant-1"), (held.Status, held.Group));
        await Store.CancelAsync(canceled);
        Assert.Equal(0, await Maintenance().ReleaseHeldAsync()); // the group is full

        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(take[0].Job!, AttemptOutcome.Succeeded, "1"));
        Assert.Equal(1, await Maintenance().ReleaseHeldAsync()); // the canceled one is dropped, the third released
        var released = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims);
        Assert.Equal((ClaimOutcome.Claimed, third), (released.Outcome, released.Entry.JobId));
        Assert.Equal(0, await Maintenance().ReleaseHeldAsync());
        Assert.False(await Db.SetContainsAsync(_keys.HeldGroups, "tenant-1"));
    }

    [Fact]
    public async Task Ended_entries_behind_a_running_job_are_not_counted_as_waiting_and_leave_the_stream_when_it_ends()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        await Store.EnqueueManyAsync([.. Enumerable.Range(0, 5).Select(i => new NewJob("echo", $"{i}"))]);
        var take = (await worker.ReadAndClaimAsync(10)).Claims;
        foreach (var claim in take.Skip(1))
        {
            Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(claim.Job!, AttemptOutcome.Succeeded, "1"));
        }

        // The stream is trimmed up to its oldest running entry: the four ended ones stay behind it, and are not waiting.
        var stats = await Inspector().StatsAsync(_keys.Name);
        Assert.Equal((Waiting: 0L, Pending: 1L, StreamLength: 5L), (stats.Waiting, stats.Pending, stats.StreamLength));
        await EnqueueAsync("echo", "late");
        Assert.Equal(1, (await Inspector().StatsAsync(_keys.Name)).Waiting);

        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(take[0].Job!, AttemptOutcome.Succeeded, "1"));
        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync((await worker.ReadAndClaimAsync(10)).Claims[0].Job!, AttemptOutcome.Succeeded, "1"));
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal(6, (await Inspector().StatsAsync(_keys.Name)).Totals[JobStatus.Done]);
    }

    [Fact]
    public async Task A_job_running_long_holds_no_more_than_ten_thousand_ended_entries_in_the_stream()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        await EnqueueAsync("echo", "long");
        var longRunning = Assert.Single((await worker.ReadAndClaimAsync(1)).Claims).Job!;
        for (var batch = 0; batch < 21; batch++)
        {
            await Store.EnqueueManyAsync([.. Enumerable.Range(0, 500).Select(i => new NewJob("echo", $"{i}"))]);
            var take = (await worker.ReadAndClaimAsync(500)).Claims;
            await Task.WhenAll(take.Select(c => worker.CompleteAsync(c.Job!, AttemptOutcome.Succeeded, "1")));
        }

        // 10,500 jobs ended while the first ran: past 10,000 held, each completion deleted its own entry again.
        Assert.InRange(await Db.StreamLengthAsync(_keys.Stream), 10_000, 10_050); // the entry last delivered is never deleted
        Assert.Equal(0, (await Inspector().StatsAsync(_keys.Name)).Waiting);
        Assert.Equal(CompletionResult.Done, await worker.CompleteAsync(longRunning, AttemptOutcome.Succeeded, "1"));
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
    }

    [Fact]
    public async Task A_retry_with_a_back_off_waits_in_the_schedule_and_is_queued_once_due()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = (await Store.EnqueueAsync("fail", "1", policy: new JobPolicy(3, Backoff.Fixed(TimeSpan.FromMilliseconds(400))))).Job;
        var first = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;

        var before = DateTimeOffset.UtcNow;
        Assert.Equal(CompletionResult.Retried, await worker.CompleteAsync(first, AttemptOutcome.Failed, "boom"));

        var waiting = (await Store.GetAsync(job.Id))!;
        Assert.Equal((JobStatus.Scheduled, "boom", 1), (waiting.Status, waiting.LastError, waiting.Attempts));
        Assert.InRange(waiting.RunAt!.Value, before.AddMilliseconds(350), before.AddMilliseconds(1000));
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal(0, await Maintenance().PromoteDueAsync());

        await Task.Delay(waiting.RunAt.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, await Maintenance().PromoteDueAsync());
        var second = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        Assert.Equal(2, second.Attempt);
    }

    [Fact]
    public async Task Complete_records_the_result_once_and_removes_the_entry()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        var claimed = ((await worker.ReadAndClaimAsync(10)).Claims)[0].Job!;

        var result = await worker.CompleteAsync(claimed, AttemptOutcome.Succeeded, """{"ok":true}""");
        var again = await worker.CompleteAsync(claimed, AttemptOutcome.Succeeded, """{"ok":"twice"}""");

        Assert.Equal(CompletionResult.Done, result);
        Assert.Equal(CompletionResult.Stale, again);
        var state = await Db.HashGetAsync(_keys.Job(job.Id), ["status", "result"]);
        Assert.Equal("done", state[0].ToString());
        Assert.Equal("""{"ok":true}""", state[1].ToString());
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal(0, (await Db.StreamPendingAsync(_keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount);
    }

    [Fact]
    public async Task A_zombie_whose_job_was_reclaimed_cannot_complete_it()
    {
        var (zombie, rescuer) = (Consumer("zombie"), Consumer("rescuer"));
        await zombie.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        var first = ((await zombie.ReadAndClaimAsync(10)).Claims)[0].Job!;
        var second = await TakeOverAsync(rescuer);

        var late = await zombie.CompleteAsync(first, AttemptOutcome.Succeeded, "\"zombie\"");
        var state = await Db.HashGetAsync(_keys.Job(job.Id), ["status", "runs", "result"]);
        var onTime = await rescuer.CompleteAsync(second, AttemptOutcome.Succeeded, "\"rescuer\"");

        Assert.Equal(CompletionResult.Stale, late);
        Assert.Equal(["processing", "2", ""], state.Select(v => v.ToString())); // the zombie's run was 1, and it wrote nothing
        Assert.Equal(CompletionResult.Done, onTime);
        Assert.Equal("\"rescuer\"", (string?)await Db.HashGetAsync(_keys.Job(job.Id), "result"));
    }

    [Fact]
    public async Task A_claim_that_takes_a_job_over_deletes_the_token_field_a_claim_of_an_earlier_version_wrote()
    {
        // That version's completion checked only this field and the status: its stalled worker could end the job.
        var (zombie, rescuer) = (Consumer("zombie"), Consumer("rescuer"));
        await zombie.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        var first = ((await zombie.ReadAndClaimAsync(10)).Claims)[0].Job!;
        await Db.HashSetAsync(_keys.Job(job.Id), "token", $"zombie/{first.EntryId}/1");

        var second = await TakeOverAsync(rescuer);

        Assert.Equal(2, second.Run);
        Assert.False(await Db.HashExistsAsync(_keys.Job(job.Id), "token"));
    }

    [Fact]
    public async Task A_zombie_whose_run_number_was_claimed_again_after_a_failover_lost_its_claim_cannot_touch_the_job()
    {
        var (zombie, rescuer) = (Consumer("zombie"), Consumer("rescuer"));
        await zombie.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        var first = ((await zombie.ReadAndClaimAsync(10)).Claims)[0].Job!;
        // A failover to a replica that had not received the claim: the job is queued again, its entry still delivered.
        await Db.HashSetAsync(_keys.Job(job.Id), [new("status", "queued"), new("runs", 0), new("attempts", 0)]);
        await Db.HashDeleteAsync(_keys.Job(job.Id), "a:1");
        var second = await TakeOverAsync(rescuer);

        var progress = await zombie.ReportProgressAsync(first, """{"zombie":true}""");
        var late = await zombie.CompleteAsync(first, AttemptOutcome.Succeeded, "\"zombie\"");
        var onTime = await rescuer.CompleteAsync(second, AttemptOutcome.Succeeded, "\"rescuer\"");

        Assert.Equal((1, 1), (first.Run, second.Run)); // the same run number, claimed twice
        Assert.False(progress);
        Assert.Equal(CompletionResult.Stale, late);
        Assert.Equal(CompletionResult.Done, onTime);
        var state = await Db.HashGetAsync(_keys.Job(job.Id), ["result", "progress"]);
        Assert.Equal(["\"rescuer\"", ""], state.Select(v => v.ToString()));
    }

    [Fact]
    public async Task A_failed_attempt_is_requeued_while_attempts_remain_then_the_job_fails()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("fail", "1");

        var first = ((await worker.ReadAndClaimAsync(10)).Claims)[0].Job!;
        var retried = await worker.CompleteAsync(first, AttemptOutcome.Failed, "boom 1");
        var requeued = await Db.HashGetAsync(_keys.Job(job.Id), ["status", "last_error"]);
        var second = ((await worker.ReadAndClaimAsync(10)).Claims)[0].Job!;
        var failed = await worker.CompleteAsync(second, AttemptOutcome.Failed, "boom 2");

        Assert.Equal(CompletionResult.Retried, retried);
        Assert.Equal(["queued", "boom 1"], requeued.Select(v => v.ToString()));
        Assert.Equal(2, second.Attempt);
        Assert.NotEqual(first.EntryId, second.EntryId);
        Assert.Equal(CompletionResult.Failed, failed);
        var state = await Db.HashGetAsync(_keys.Job(job.Id), ["status", "attempts", "last_error"]);
        Assert.Equal(["failed", "2", "boom 2"], state.Select(v => v.ToString()));
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
    }

    [Fact]
    public async Task A_permanent_failure_is_never_retried()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        var claimed = ((await worker.ReadAndClaimAsync(10)).Claims)[0].Job!;

        var result = await worker.CompleteAsync(claimed, AttemptOutcome.FailedPermanently, "bad payload");

        Assert.Equal(CompletionResult.Failed, result);
        Assert.Equal(["failed", "1"], (await Db.HashGetAsync(_keys.Job(job.Id), ["status", "attempts"])).Select(v => v.ToString()));
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
    }

    [Fact]
    public async Task Renew_keeps_held_entries_fresh_and_reports_the_ones_taken_over()
    {
        var (holder, rescuer) = (Consumer("holder"), Consumer("rescuer"));
        await holder.EnsureGroupAsync();
        await EnqueueAsync("echo", "1");
        await EnqueueAsync("echo", "2");
        var held = ((await holder.ReadAndClaimAsync(10)).Claims).Select(c => c.Job!).ToList();
        await Task.Delay(300);

        var lostNone = await holder.RenewAsync(held);
        var idle = (await Db.StreamPendingMessagesAsync(_keys.Stream, QueueKeys.ConsumerGroup, 10, "holder")).Max(p => p.IdleTimeInMilliseconds);
        await Db.StreamClaimAsync(_keys.Stream, QueueKeys.ConsumerGroup, "rescuer", 0, [held[0].EntryId]);
        var lostOne = await holder.RenewAsync(held);

        Assert.NotEqual(held[0].Token, held[1].Token); // taken together, in the same millisecond, by the same consumer
        Assert.Empty(lostNone);
        Assert.True(idle < 300, $"renewed entries should be fresh, idle {idle} ms");
        Assert.Equal([held[0].Token], lostOne);
    }

    [Fact]
    public async Task Reclaim_takes_only_entries_idle_longer_than_the_processing_timeout()
    {
        var (holder, rescuer) = (Consumer("holder"), Consumer("rescuer"));
        await holder.EnsureGroupAsync();
        await EnqueueAsync("echo", "1");
        await DeliverWithoutClaimAsync(holder);

        var (early, _, _) = await rescuer.ReclaimAsync(TimeSpan.FromSeconds(5), "0-0", 10);
        await Task.Delay(250);
        var (late, cursor, _) = await rescuer.ReclaimAsync(TimeSpan.FromMilliseconds(200), "0-0", 10);

        Assert.Empty(early);
        Assert.Single(late);
        Assert.Equal("0-0", cursor);
    }

    [Fact]
    public async Task A_due_scheduled_job_is_enqueued_exactly_once_however_many_forwarders_run()
    {
        // Due in 2 s: on a loaded machine an enqueue has taken longer than 200 ms, and a job already due is queued at once.
        var job = (await Store.EnqueueAsync("echo", "1", DateTimeOffset.UtcNow.AddSeconds(2))).Job;
        Assert.Equal("scheduled", job.Status);
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
        await Task.Delay(TimeSpan.FromSeconds(2.1));

        var moved = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Maintenance().PromoteDueAsync()));

        Assert.Equal(1, moved.Sum());
        Assert.Equal(1, await Db.StreamLengthAsync(_keys.Stream));
        Assert.Equal("queued", (string?)await Db.HashGetAsync(_keys.Job(job.Id), "status"));
        Assert.Equal(0, await Db.SortedSetLengthAsync(_keys.Scheduled));
    }

    [Fact]
    public async Task A_canceled_queued_job_is_dropped_when_a_worker_meets_its_entry()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");

        await Store.CancelAsync(job.Id);
        var claims = (await worker.ReadAndClaimAsync(10)).Claims;

        Assert.Equal("canceled", (await Store.GetRequiredAsync(job.Id)).Status);
        Assert.Equal(ClaimOutcome.Finished, Assert.Single(claims).Outcome);
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Stream));
        var again = await Assert.ThrowsAsync<JobStateConflictException>(() => Store.CancelAsync(job.Id));
        Assert.Equal("canceled", again.Status);
        await Assert.ThrowsAsync<JobNotFoundException>(() => Store.CancelAsync(Guid.NewGuid().ToString("D")));
    }

    [Fact]
    public async Task Progress_is_recorded_only_while_the_attempt_holds_the_job()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("echo", "1");
        var claimed = ((await worker.ReadAndClaimAsync(10)).Claims)[0].Job!;

        var recorded = await worker.ReportProgressAsync(claimed, """{"step":1}""");
        await worker.CompleteAsync(claimed, AttemptOutcome.Succeeded, "1");
        var late = await worker.ReportProgressAsync(claimed, """{"step":2}""");

        Assert.True(recorded);
        Assert.False(late);
        Assert.Equal("""{"step":1}""", (string?)await Db.HashGetAsync(_keys.Job(job.Id), "progress"));
    }

    [Fact]
    public async Task A_retried_failed_job_gets_a_fresh_budget_and_keeps_its_history()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = await EnqueueAsync("fail", "1");
        var claimed = ((await worker.ReadAndClaimAsync(10)).Claims)[0].Job!;
        await worker.CompleteAsync(claimed, AttemptOutcome.FailedPermanently, "boom");
        Assert.Equal(1, await Db.StreamLengthAsync(_keys.Dead));

        var failedStart = (await Store.GetAsync(job.Id))!.StartedAt;
        await Store.RetryAsync(job.Id);
        var queued = (await Store.GetAsync(job.Id))!;
        await Task.Delay(5); // a start of its own
        var again = ((await worker.ReadAndClaimAsync(10)).Claims)[0].Job!;

        Assert.NotNull(failedStart);
        Assert.Equal((JobStatus.Queued, 0, null, null), (queued.Status, queued.Attempts, queued.StartedAt, queued.FinishedAt)); // a fresh start
        Assert.True((await Store.GetAsync(job.Id))!.StartedAt > failedStart);
        Assert.Equal(1, again.Attempt);
        Assert.Equal(2, again.Run);
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Dead));
        var record = await Store.GetAsync(job.Id);
        Assert.Contains("\"error\":\"boom\"", record!.HistoryJson);
        Assert.Equal("processing", (await Assert.ThrowsAsync<JobStateConflictException>(() => Store.RetryAsync(job.Id))).Status);
    }

    [Fact]
    public async Task The_janitor_removes_an_idle_consumer_only_once_nothing_is_pending_for_it()
    {
        var (gone, rescuer) = (Consumer("gone"), Consumer("rescuer"));
        await gone.EnsureGroupAsync();
        await EnqueueAsync("echo", "1");
        await DeliverWithoutClaimAsync(gone);
        await Task.Delay(50);

        var whilePending = await Maintenance().CleanUpAsync(TimeSpan.FromMilliseconds(10), 0);
        var claimed = await TakeOverAsync(rescuer);
        await rescuer.CompleteAsync(claimed, AttemptOutcome.Succeeded, "1");
        await Task.Delay(50);
        var afterwards = await Maintenance().CleanUpAsync(TimeSpan.FromMilliseconds(10), 0);

        Assert.Equal(0, whilePending.Consumers);
        Assert.Equal(2, afterwards.Consumers);
        Assert.Empty(await Db.StreamConsumerInfoAsync(_keys.Stream, QueueKeys.ConsumerGroup));
    }

    [Fact]
    public async Task Listing_pages_through_jobs_newest_first_without_repeats()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await EnqueueAsync("echo", i.ToString())).Id);
        }

        var listed = new List<string>();
        string? cursor = null;
        do
        {
            var (jobs, next) = await Store.ListAsync(JobFilter.None, 3, cursor);
            listed.AddRange(jobs.Select(j => j.Id));
            cursor = next;
        }
        while (cursor is not null);

        // Jobs created in the same millisecond share a score; the order among those is by id, still without repeats.
        Assert.Equal(ids.Order(), listed.Order());
        Assert.Equal(7, listed.Distinct().Count());
    }

    [Fact]
    public async Task Listing_shows_only_the_jobs_of_the_type_owner_group_status_and_time_asked_for()
    {
        var mine = (await Store.EnqueueAsync(new NewJob("echo", "1", Owner: "ann", Group: "t1"))).Job;
        var otherOwner = (await Store.EnqueueAsync(new NewJob("echo", "2", Owner: "bob", Group: "t1"))).Job;
        var otherType = (await Store.EnqueueAsync(new NewJob("sleep", "3", Owner: "ann", Group: "t1"))).Job;
        await Task.Delay(5);
        var later = (await Store.EnqueueAsync(new NewJob("echo", "4", Owner: "ann", Group: "t2", RunAt: DateTimeOffset.UtcNow.AddHours(1)))).Job;

        async Task<string[]> Ids(JobFilter filter) => [.. (await Store.ListAsync(filter, 100, null)).Jobs.Select(j => j.Id)];

        Assert.Equal([later.Id, mine.Id], await Ids(new JobFilter(Type: "echo", Owner: "ann")));
        Assert.Equal([mine.Id], await Ids(new JobFilter(Type: "echo", Owner: "ann", Group: "t1")));
        Assert.Equal([later.Id], await Ids(new JobFilter(Status: JobStatus.Scheduled)));
        Assert.Equal([otherType.Id], await Ids(new JobFilter(Type: "sleep")));
        Assert.Equal([later.Id], await Ids(new JobFilter(CreatedFrom: later.CreatedAt)));
        Assert.DoesNotContain(later.Id, await Ids(new JobFilter(CreatedUntil: later.CreatedAt.AddMilliseconds(-1))));
        Assert.Contains(otherOwner.Id, await Ids(JobFilter.None));
        Assert.Empty(await Ids(new JobFilter(Owner: "nobody")));
        Assert.Equal([later.Id], await Ids(new JobFilter(Owner: "ann", CreatedFrom: later.CreatedAt)));
    }

    [Fact]
    public async Task One_owners_jobs_are_found_on_the_first_page_however_many_jobs_of_others_came_after()
    {
        var mine = (await Store.EnqueueAsync(new NewJob("echo", "1", Owner: "ann"))).Job;
        await Store.EnqueueManyAsync([.. Enumerable.Range(0, 2500).Select(i => new NewJob("echo", i.ToString(), Owner: "bob"))]);

        var (jobs, _) = await Store.ListAsync(new JobFilter(Owner: "ann"), 20, null);

        Assert.Equal([mine.Id], jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task Promoting_a_scheduled_job_queues_it_now_and_any_other_job_is_refused()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var job = (await Store.EnqueueAsync(new NewJob("echo", "1", RunAt: DateTimeOffset.UtcNow.AddHours(1)))).Job;

        await Store.PromoteAsync(job.Id);

        Assert.Equal(0, await Db.SortedSetLengthAsync(_keys.Scheduled));
        var claimed = Assert.Single((await worker.ReadAndClaimAsync(10)).Claims).Job!;
        Assert.Equal(job.Id, claimed.JobId);
        Assert.Equal("processing", (await Assert.ThrowsAsync<JobStateConflictException>(() => Store.PromoteAsync(job.Id))).Status);
        await Assert.ThrowsAsync<JobNotFoundException>(() => Store.PromoteAsync(Guid.NewGuid().ToString()));
    }

    [Fact]
    public async Task Deleting_an_ended_job_removes_its_hash_dead_letter_and_listing_and_an_unfinished_one_is_refused()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var failed = (await Store.EnqueueAsync(new NewJob("fail", "1", Owner: "ann"))).Job;
        await worker.CompleteAsync((await worker.ReadAndClaimAsync(10)).Claims[0].Job!, AttemptOutcome.FailedPermanently, "boom");
        var queued = await EnqueueAsync("echo", "2");

        await Store.DeleteAsync(failed.Id);

        Assert.False(await Db.KeyExistsAsync(_keys.Job(failed.Id)));
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Dead));
        Assert.Null(await Db.SortedSetScoreAsync(_keys.Jobs, failed.Id));
        Assert.Null(await Db.SortedSetScoreAsync(_keys.OwnerIndex("ann"), failed.Id));
        Assert.Equal("queued", (await Assert.ThrowsAsync<JobStateConflictException>(() => Store.DeleteAsync(queued.Id))).Status);
        Assert.True(await Db.KeyExistsAsync(_keys.Job(queued.Id)));
    }

    [Fact]
    public async Task Dead_letters_of_one_type_are_counted_retried_and_deleted_together_and_no_others()
    {
        var worker = Consumer("w1");
        await worker.EnsureGroupAsync();
        var jobs = new List<JobRecord>();
        foreach (var type in new[] { "fail", "fail", "fail", "other" })
        {
            jobs.Add(await EnqueueAsync(type, "1"));
        }

        foreach (var claim in (await worker.ReadAndClaimAsync(10)).Claims)
        {
            await worker.CompleteAsync(claim.Job!, AttemptOutcome.FailedPermanently, "boom");
        }

        var letters = new DeadLetters(server.Redis, new QueueDirectory(server.Redis, Microsoft.Extensions.Options.Options.Create(Options)), Store);
        Assert.Equal(3, await letters.CountAsync(null, "fail"));
        Assert.Equal(4, await letters.CountAsync(null, null));

        Assert.Equal(3, await letters.RetryAsync(null, "fail"));
        Assert.Equal(0, await letters.RetryAsync(null, "fail"));
        Assert.All(jobs.Take(3), j => Assert.Equal("queued", (string?)Db.HashGet(_keys.Job(j.Id), "status")));
        Assert.Equal("failed", (string?)await Db.HashGetAsync(_keys.Job(jobs[3].Id), "status"));

        Assert.Equal(1, await letters.DeleteAsync(null, null));
        Assert.Equal(0, await Db.StreamLengthAsync(_keys.Dead));
        Assert.False(await Db.KeyExistsAsync(_keys.Job(jobs[3].Id)));
    }
}
