using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// Adds, reads, lists, cancels and retries jobs: what an app that submits jobs needs (the API uses it too). A job
/// goes to the default queue unless it names another; a job is found by its id in whichever queue holds it.
/// </summary>
public sealed class JobStore(
    IConnectionMultiplexer redis, QueueDirectory queues, IOptions<QueueOptions> options, IOptions<JobPayloadJsonOptions>? payloadJson = null)
{
    private readonly JsonSerializerOptions _payloadJson = (payloadJson?.Value ?? new JobPayloadJsonOptions()).SerializerOptions;
    private EnqueueBatcher? _batcher;

    private IDatabase Db => redis.GetDatabase();

    private QueueOptions Options => options.Value;

    /// <summary>
    /// The most jobs <see cref="EnqueueManyAsync"/> takes in one call: one script run, which holds Redis meanwhile (about
    /// 15 ms per 1,000 jobs), so that a flow of a parent and 10,000 children goes in whole, with room to spare.
    /// </summary>
    public const int MaxBatch = 20_000;

    /// <summary>
    /// Writes the job (hash, index, and stream entry or schedule) in one script. The entry carries the W3C
    /// traceparent of an "enqueue" producer span, so the worker's processing span continues the caller's trace.
    /// With an idempotency key, a repeat within the window returns the first job (<see cref="EnqueueResult.Replayed"/>).
    /// </summary>
    public async Task<EnqueueResult> EnqueueAsync(
        string type, string payloadJson, DateTimeOffset? runAt = null, string? idempotencyKey = null, JobPolicy? policy = null, string? queue = null) =>
        await EnqueueAsync(new NewJob(type, payloadJson, runAt, idempotencyKey, policy, queue));

    /// <summary>
    /// Writes one job, as <see cref="EnqueueManyAsync"/> writes a batch. Jobs without an idempotency key or dependencies
    /// that callers enqueue at the same time share script calls (<see cref="EnqueueBatcher"/>): each is still written
    /// whole or not at all, and gets its own span and result.
    /// </summary>
    public async Task<EnqueueResult> EnqueueAsync(NewJob job)
    {
        if (job.IdempotencyKey is not null || job.DependsOn is { Count: > 0 })
        {
            return (await EnqueueManyAsync([job]))[0];
        }

        Validate(job);
        var keys = await PartitionOfAsync([job]);
        using var activity = StartEnqueueActivity([job], keys);
        var pending = new PendingJob(job, Guid.NewGuid().ToString("D"), (activity ?? Activity.Current)?.Id ?? "");
        var row = await LazyInitializer.EnsureInitialized(ref _batcher, () => new EnqueueBatcher(WriteAsync)).WriteAsync(keys, pending);
        if (Options.ReplicationAcks > 0)
        {
            await WaitForReplicasAsync(keys);
        }

        var result = Result(keys, job, row);
        activity?.SetTag("jobqueue.job.id", result.Job.Id);
        return result;
    }

    /// <summary>
    /// Enqueues a typed payload under its job type (<see cref="JobTypeName.Of{TPayload}"/>), written with
    /// <see cref="JobPayloadJsonOptions"/>: <c>store.EnqueueAsync(new SendWelcomeEmail("ada@example.com"))</c>.
    /// </summary>
    public Task<EnqueueResult> EnqueueAsync<TPayload>(
        TPayload payload, DateTimeOffset? runAt = null, string? idempotencyKey = null, JobPolicy? policy = null, string? queue = null) =>
        EnqueueAsync(JobTypeName.Of<TPayload>(),
            JsonSerializer.Serialize(payload, (JsonTypeInfo<TPayload>)_payloadJson.GetTypeInfo(typeof(TPayload))), runAt, idempotencyKey, policy, queue);

    /// <summary>
    /// Writes up to <see cref="MaxBatch"/> jobs of one queue in one script run: all of them or, if one is refused
    /// (an unknown type, a reused idempotency key, a dependency that is no job of the queue or closes a cycle:
    /// <see cref="InvalidDependencyException"/>, jobs bound for different partitions: <see cref="PartitionedQueueException"/>), none.
    /// Jobs may depend on each other (<see cref="JobDependency.OnBatchJob"/>),
    /// so a whole workflow goes in one call. One round trip and one "enqueue" span for the batch, whose
    /// trace every job's processing continues. Results are in the order of <paramref name="jobs"/>. A named queue
    /// must be one a worker pool reads (<see cref="UnknownQueueException"/>).
    /// </summary>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(IReadOnlyList<NewJob> jobs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(jobs.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jobs.Count, MaxBatch);
        if (jobs.Any(j => j.Queue != jobs[0].Queue))
        {
            throw new ArgumentException("The jobs of one batch go to one queue (one script writes them all).", nameof(jobs));
        }

        var idempotencyKeys = jobs.Where(j => j.IdempotencyKey is not null).Select(j => j.IdempotencyKey!).ToList();
        if (idempotencyKeys.Distinct().Count() != idempotencyKeys.Count)
        {
            throw new ArgumentException("Two jobs of one batch have the same idempotency key.", nameof(jobs));
        }

        if (jobs.Any(j => j.DependsOn is { Count: > 0 }))
        {
            DependencyGraph.Check(jobs);
        }

        foreach (var job in jobs)
        {
            Validate(job);
        }

        var keys = await PartitionOfAsync(jobs);
        using var activity = StartEnqueueActivity(jobs, keys);
        var traceParent = (activity ?? Activity.Current)?.Id ?? "";
        var rows = await WriteAsync(keys, [.. jobs.Select(job => new PendingJob(job, Guid.NewGuid().ToString("D"), traceParent))]);
        if (Options.ReplicationAcks > 0)
        {
            await WaitForReplicasAsync(keys);
        }

        var results = jobs.Select((job, i) => Result(keys, job, rows[i])).ToList();
        if (jobs.Count == 1)
        {
            activity?.SetTag("jobqueue.job.id", results[0].Job.Id); // the first job's id when replayed
        }

        return results;
    }

    private static void Validate(NewJob job)
    {
        if (job.Group is { } group && !JobGroup.IsValid(group))
        {
            throw new ArgumentException($"'{group}' is not a valid job group ({JobGroup.Rule}).", nameof(job));
        }

        if (job.Owner is { } owner && !JobOwner.IsValid(owner))
        {
            throw new ArgumentException($"'{owner}' is not a valid job owner ({JobOwner.Rule}).", nameof(job));
        }
    }

    /// <summary>The "enqueue" producer span of a call: per job type for one job.</summary>
    private static Activity? StartEnqueueActivity(IReadOnlyList<NewJob> jobs, QueueKeys keys)
    {
        var activity = JobQueueTelemetry.Source.StartActivity(jobs.Count == 1 ? $"enqueue {jobs[0].Type}" : "enqueue", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "redis");
            activity.SetTag("messaging.destination.name", keys.Stream.ToString());
            activity.SetTag("messaging.batch.message_count", jobs.Count);
            if (jobs.Count == 1)
            {
                activity.SetTag("jobqueue.job.type", jobs[0].Type);
            }
        }

        return activity;
    }

    /// <summary>
    /// Runs enqueue.lua for jobs of one partition (validated, with their ids and traceparents): one row per job, in order;
    /// a refusal throws what it means, and nothing was written.
    /// </summary>
    private async Task<RedisResult[][]> WriteAsync(QueueKeys keys, IReadOnlyList<PendingJob> jobs)
    {
        var call = new EnqueueScriptCall(keys, Options, jobs);
        try
        {
            return EnqueueScriptCall.Rows((RedisResult[])(await QueueScripts.Enqueue.EvaluateAsync(Db, call.Keys, call.Arguments))!);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("IDEMPOTENCY_MISMATCH", StringComparison.Ordinal))
        {
            throw new IdempotencyKeyReusedException();
        }
        catch (RedisServerException e) when (e.Message.StartsWith("UNKNOWN_DEPENDENCY", StringComparison.Ordinal))
        {
            throw new InvalidDependencyException(
                $"Job {e.Message["UNKNOWN_DEPENDENCY ".Length..]} is not a job of queue '{keys.Queue}': it does not exist, has expired, " +
                "or is in another queue or partition (a job and its dependencies share one queue, and one partition of it).");
        }
        catch (RedisServerException e) when (e.Message.StartsWith("UNKNOWN_TYPE", StringComparison.Ordinal))
        {
            var known = await Db.SetMembersAsync(keys.Types);
            var type = jobs.Select(j => j.Job.Type).FirstOrDefault(t => !known.Contains(t)) ?? jobs[0].Job.Type;
            throw new UnknownJobTypeException(keys.Queue, type, [.. known.Select(k => k.ToString()).Order()]);
        }
    }

    /// <summary>What enqueue.lua answered for one job: job id, created_at, replayed, status.</summary>
    private static EnqueueResult Result(QueueKeys keys, NewJob job, RedisResult[] row)
    {
        var replayed = (int)row[2] == 1;
        if (!replayed)
        {
            JobQueueTelemetry.JobsEnqueued.Add(1, new KeyValuePair<string, object?>("jobqueue.job.type", job.Type));
        }

        return new EnqueueResult(new JobRecord(row[0].ToString()!, row[3].ToString()!, job.Type, job.PayloadJson,
            null, null, 0, 1, DateTimeOffset.FromUnixTimeMilliseconds((long)row[1]), job.RunAt, null, null, null, null, job.Policy, keys.Queue,
            job.Group, job.Owner),
            replayed);
    }

    /// <summary>
    /// The partition of the batch's queue it goes to (the queue itself unless partitioned: <see cref="QueuePartitions"/>).
    /// A batch goes whole to one, as its scripts see one: that of a job it depends on; else that of its jobs' group (or,
    /// without one, idempotency key), the same for every job of the group and every repeat of a request; else a random one.
    /// </summary>
    private async Task<QueueKeys> PartitionOfAsync(IReadOnlyList<NewJob> jobs)
    {
        var queue = await queues.KnownAsync(jobs[0].Queue);
        var partitions = await queues.CachedPartitionsAsync(queue.Queue);
        if (partitions.Count == 1)
        {
            return queue;
        }

        if (jobs.SelectMany(j => j.DependsOn ?? []).FirstOrDefault(d => d.JobId is not null) is { JobId: { } dependency }
            && await queues.LocateAsync(dependency) is { } holder && holder.Queue == queue.Name)
        {
            return holder;
        }

        var pinned = jobs.Select(j => j.Group ?? j.IdempotencyKey).OfType<string>()
            .Select(key => QueuePartitions.ForKey(key, partitions.Count)).Distinct().ToList();
        return pinned switch
        {
            [] => partitions[Random.Shared.Next(partitions.Count)],
            [var partition] => partitions[partition],
            _ => throw new PartitionedQueueException("Batch spans partitions",
                $"Queue '{queue.Name}' has {partitions.Count} partitions and a batch goes whole to one, but these jobs' groups or idempotency keys " +
                "belong to different ones: send them in separate batches, or give them one group."),
        };
    }

    /// <summary>
    /// Waits until <see cref="QueueOptions.ReplicationAcks"/> replicas of the queue's master have every write this process
    /// sent it so far (WAIT counts per connection, and this process shares one per node), the enqueue's included.
    /// </summary>
    private async Task WaitForReplicasAsync(QueueKeys keys)
    {
        var acknowledged = (long)await redis.GetServer(keys.Stream).ExecuteAsync("WAIT",
            Options.ReplicationAcks, (long)Options.ReplicationTimeout.TotalMilliseconds);
        if (acknowledged < Options.ReplicationAcks)
        {
            throw new NotReplicatedException(keys.Name, Options.ReplicationAcks, (int)acknowledged);
        }
    }

    /// <summary>The job with this id, in whichever queue holds it; null if there is none.</summary>
    public async Task<JobRecord?> GetAsync(string jobId) =>
        // Most jobs live in the default queue: one read finds them.
        await ReadAsync(queues.Default, jobId)
        ?? (await queues.LocateAsync(jobId) is { } keys && keys != queues.Default ? await ReadAsync(keys, jobId) : null);

    private async Task<JobRecord?> ReadAsync(QueueKeys keys, string jobId) =>
        await Db.HashGetAllAsync(keys.Job(jobId)) is { Length: > 0 } entries ? JobHash.ToRecord(jobId, keys.Queue, entries) : null;

    /// <summary>
    /// The job's attempts as the scripts that start and end them recorded them, oldest first (the newest 25 runs); [] for a
    /// job that does not exist (or has expired) or never ran. Each comes with the registration of the worker that ran it,
    /// where the queue's registry still has it: one script call reads both (attempts.lua).
    /// </summary>
    public async Task<IReadOnlyList<JobAttempt>> AttemptsAsync(string jobId)
    {
        if (await queues.LocateAsync(jobId) is not { } keys)
        {
            return [];
        }

        var reply = (RedisResult[])(await QueueScripts.Attempts.EvaluateAsync(Db, [keys.Job(jobId), keys.Workers, keys.WorkersSeen]))!;
        if (reply.Length == 0)
        {
            return [];
        }

        // {first run, last run, traceparent, then a start and an end record per run, then consumer, registration, last seen
        // ms per consumer named}
        var (firstRun, runs, traceId) = ((int)reply[0], (int)reply[1] - (int)reply[0] + 1, TraceParent.TraceIdOf((string?)reply[2]));
        var workers = new Dictionary<string, WorkerRegistration>(StringComparer.Ordinal);
        for (var i = 3 + 2 * runs; i + 2 < reply.Length; i += 3)
        {
            if (!reply[i + 1].IsNull && !reply[i + 2].IsNull
                && WorkerRegistration.FromStored(reply[i].ToString()!, reply[i + 1].ToString()!, (long)(double)reply[i + 2]) is { } worker)
            {
                workers[worker.Consumer] = worker;
            }
        }

        return [.. Enumerable.Range(0, runs)
            .Select(r => JobAttempt.FromRecords(firstRun + r, (string?)reply[3 + 2 * r], (string?)reply[4 + 2 * r], traceId, workers))
            .OfType<JobAttempt>()];
    }

    /// <summary>The most dependencies and dependants <see cref="LinksAsync"/> lists of one job.</summary>
    public const int MaxLinksShown = 1000;

    /// <summary>
    /// The jobs <paramref name="job"/> depends on and the jobs that depend on it, each with its current status (the first
    /// <see cref="MaxLinksShown"/> of each; their totals count all).
    /// </summary>
    public async Task<JobLinks> LinksAsync(JobRecord job)
    {
        var keys = queues.Keys(job.Queue);
        var dependantsKey = keys.Dependants(job.Id);
        if (job.DependsOn is null && job.DependantCount == 0)
        {
            return JobLinks.None; // most jobs: no Redis call beyond the job's own read
        }

        var dependants = new List<(string Id, DependencyFailure Policy)>();
        await foreach (var edge in Db.HashScanAsync(dependantsKey, pageSize: MaxLinksShown))
        {
            DependencyFailureNames.TryParse(edge.Value.ToString().TrimEnd('+'), out var policy);
            dependants.Add((edge.Name.ToString(), policy));
            if (dependants.Count == MaxLinksShown)
            {
                break;
            }
        }

        var dependencies = (job.DependsOn ?? []).Take(MaxLinksShown).Select(d => (Id: d.JobId!, Policy: d.OnFailure)).ToList();
        var statuses = await Task.WhenAll(dependencies.Concat(dependants).Select(link => Db.HashGetAsync(keys.Job(link.Id), JobHash.Status)));
        var linked = dependencies.Concat(dependants)
            .Select((link, i) => new LinkedJob(link.Id, statuses[i].HasValue ? statuses[i].ToString() : null, link.Policy)).ToList();
        return new JobLinks(linked[..dependencies.Count], job.DependsOn?.Count ?? 0, linked[dependencies.Count..], job.DependantCount);
    }

    /// <summary>
    /// Every job of an owner that changed at or after <paramref name="sinceMs"/> (Unix ms), in every queue, oldest change
    /// first, each in its current state with the time of its last change, from the owner's index in each queue partition
    /// (<see cref="QueueKeys.OwnerIndex"/>). Read as the caller takes them: a page of each partition's index and its jobs
    /// at a time, the next only once the last is taken, so a caller that takes them slowly (a device on a slow link)
    /// holds a page per partition and asks nothing of Redis meanwhile, however many jobs the owner has. The partitions'
    /// pages are merged by change time: a newer change never comes before an older one. A job that changes while they
    /// are read comes again at its new change (its version tells). Each page read holds <paramref name="pageReads"/>,
    /// where given: a bound on such reads under way at once, across callers.
    /// </summary>
    public async IAsyncEnumerable<OwnedJob> OwnerJobsChangedSinceAsync(
        string owner, long sinceMs, SemaphoreSlim? pageReads = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<OwnerIndexCursor> partitions = [.. (await queues.AllPartitionsAsync()).Select(keys => new OwnerIndexCursor(Db, keys, owner, sinceMs, ReadOwnedAsync))];
        while (true)
        {
            // The oldest change of all is known once every partition that may hold more has its next job in hand.
            while (partitions.Any(p => p.NeedsPage))
            {
                await Task.WhenAll(partitions.Where(p => p.NeedsPage).Select(p => p.ReadPageAsync(pageReads, cancellationToken)));
            }

            if (partitions.Where(p => p.Next is not null).MinBy(p => p.Next!.ChangedAt) is not { } oldest)
            {
                yield break;
            }

            yield return oldest.Take();
        }
    }

    /// <summary>
    /// The <paramref name="count"/> jobs of an owner changed most recently, in every queue, oldest change first, each in
    /// its current state with the time of its last change (from the owner's index in each queue partition: a job shows once).
    /// </summary>
    public async Task<IReadOnlyList<OwnedJob>> LatestOwnerJobsAsync(string owner, int count = 100)
    {
        var perPartition = await Task.WhenAll((await queues.AllPartitionsAsync()).Select(async keys =>
        {
            var ids = await Db.SortedSetRangeByScoreWithScoresAsync(keys.OwnerIndex(owner), order: Order.Descending, take: count);
            var jobs = await Task.WhenAll(ids.Select(entry => ReadOwnedAsync(keys, entry.Element.ToString(), (long)entry.Score)));
            return jobs.OfType<OwnedJob>();
        }));
        return [.. perPartition.SelectMany(jobs => jobs).OrderBy(j => j.ChangedAt).TakeLast(count)];
    }

    /// <summary>A job as its owner's feed shows it, last changed at <paramref name="changedAt"/>; null if it is gone.</summary>
    private async Task<OwnedJob?> ReadOwnedAsync(QueueKeys keys, string jobId, long changedAt) =>
        JobHash.ToOwnedJob(jobId, keys.Queue, await Db.HashGetAsync(keys.Job(jobId), JobHash.OwnedFields), changedAt);

    /// <summary>
    /// Cancels an unfinished job: a scheduled or queued one never runs, a running one has its handler stopped.
    /// Throws <see cref="JobNotFoundException"/>, or <see cref="JobStateConflictException"/> if it already ended.
    /// </summary>
    public async Task CancelAsync(string jobId)
    {
        var keys = await queues.LocateAsync(jobId) ?? throw new JobNotFoundException(jobId);
        var reply = (RedisResult[])(await QueueScripts.Cancel.EvaluateAsync(Db,
            [keys.Job(jobId), keys.Scheduled, keys.Dead, keys.Stats],
            [jobId, keys.Events.ToString(), keys.Cancel.ToString(), (long)Options.Retention.TotalMilliseconds,
                (long)Options.DeadLetterRetention.TotalMilliseconds, keys.JobPrefix]))!;
        switch ((int)reply[0], reply[1].ToString())
        {
            case (1, _):
                return;
            case (_, "missing"):
                throw new JobNotFoundException(jobId);
            case (_, var status):
                throw new JobStateConflictException(jobId, status, "Job already finished",
                    $"Job {jobId} is already {status}; only unfinished jobs can be canceled.");
        }
    }

    /// <summary>
    /// Requeues a failed job with a fresh attempt budget, keeping its history. Throws <see cref="JobNotFoundException"/>,
    /// or <see cref="JobStateConflictException"/> if it is not failed.
    /// </summary>
    public Task RetryAsync(string jobId) =>
        TransitionAsync(jobId, QueueScripts.Retry, keys => [keys.Job(jobId), keys.Stream, keys.Dead], JobStatus.Queued,
            "Job not failed", status => $"Job {jobId} is {status}; only failed jobs can be retried.");

    /// <summary>The job with this id; <see cref="JobNotFoundException"/> if there is none.</summary>
    public async Task<JobRecord> GetRequiredAsync(string jobId) => await GetAsync(jobId) ?? throw new JobNotFoundException(jobId);

    /// <summary>
    /// A page of one queue's jobs (null: the default queue) that match <paramref name="filter"/>, newest first (one owner's:
    /// most recently changed first);
    /// <paramref name="cursor"/> continues where the last page ended (null at the end). A page examines at most 2,000
    /// jobs per partition, so with a rare filter it may hold fewer than <paramref name="limit"/> (even none) and still have
    /// a next cursor. A partitioned queue's partitions are read at once and merged in order.
    /// </summary>
    public async Task<(IReadOnlyList<JobRecord> Jobs, string? NextCursor)> ListAsync(JobFilter filter, int limit, string? cursor, string? queue = null)
    {
        var partitions = await queues.PartitionsAsync(queue);
        var pages = await Task.WhenAll(partitions.Select(keys => ListPartitionAsync(keys, filter, limit, cursor)));
        // A partition that stopped before its end (a full page, or 2,000 examined) has not looked past its cursor: the
        // merged page stops at the least advanced of those cursors, so that no job beyond it is skipped.
        var frontier = pages.Where(p => p.Next is not null).Select(p => p.Next!.Value).DefaultIfEmpty(ListPosition.End).Max();
        var page = pages.SelectMany(p => p.Found.Select(position => (Position: position, Keys: p.Keys)))
            .Where(f => f.Position.CompareTo(frontier) >= 0)
            .OrderByDescending(f => f.Position).Take(limit).ToList();
        var next = page.Count == limit ? page[^1].Position : frontier;
        var jobs = await Task.WhenAll(page.Select(f => ReadAsync(f.Keys, f.Position.JobId)));
        return ([.. jobs.OfType<JobRecord>()], next == ListPosition.End ? null : next.ToString());
    }

    private async Task<(QueueKeys Keys, IReadOnlyList<ListPosition> Found, ListPosition? Next)> ListPartitionAsync(
        QueueKeys keys, JobFilter filter, int limit, string? cursor)
    {
        // One owner's jobs are read from the owner's own index (newest change first), so a page of them never examines others'.
        var (index, scores) = filter.Owner is { } owner ? (keys.OwnerIndex(owner), "changed") : (keys.Jobs, "created");
        var reply = (RedisResult[])(await QueueScripts.List.EvaluateAsync(Db, [index],
            [keys.JobPrefix, filter.Status ?? "", filter.Type ?? "", filter.Owner ?? "", filter.Group ?? "", limit, cursor ?? "",
                filter.CreatedFrom?.ToUnixTimeMilliseconds().ToString() ?? "", filter.CreatedUntil?.ToUnixTimeMilliseconds().ToString() ?? "", scores]))!;
        var next = reply[0].ToString();
        return (keys, [.. reply.Skip(1).Select(p => ListPosition.Parse(p.ToString()!))], string.IsNullOrEmpty(next) ? null : ListPosition.Parse(next));
    }

    /// <summary>
    /// Runs a scheduled job (delayed, or waiting out a retry back-off) now. Throws <see cref="JobNotFoundException"/>,
    /// or <see cref="JobStateConflictException"/> if it is not scheduled.
    /// </summary>
    public Task PromoteAsync(string jobId) =>
        TransitionAsync(jobId, QueueScripts.PromoteJob, keys => [keys.Job(jobId), keys.Scheduled, keys.Stream], JobStatus.Queued,
            "Job not scheduled", status => $"Job {jobId} is {status}; only scheduled jobs can be run now.");

    /// <summary>
    /// Deletes an ended job (done, failed or canceled) with its dead letter, before its retention would. Throws
    /// <see cref="JobNotFoundException"/>, or <see cref="JobStateConflictException"/> if it has not ended (cancel it first).
    /// </summary>
    public Task DeleteAsync(string jobId) =>
        TransitionAsync(jobId, QueueScripts.Delete, keys => [keys.Job(jobId), keys.Jobs, keys.Dead], "deleted",
            "Job not ended", status => $"Job {jobId} is {status}; cancel it before deleting it.");

    /// <summary>
    /// Runs a one-job transition script (ARGV: the job id, the queue's events channel, its job key prefix) that answers <paramref name="done"/>,
    /// 'missing', or the status that does not allow it: <see cref="JobNotFoundException"/> or <see cref="JobStateConflictException"/>.
    /// </summary>
    private async Task TransitionAsync(
        string jobId, QueueScript script, Func<QueueKeys, RedisKey[]> keysOf, string done, string refusal, Func<string, string> why)
    {
        var keys = await queues.LocateAsync(jobId) ?? throw new JobNotFoundException(jobId);
        var answer = (await script.EvaluateAsync(Db, keysOf(keys), [jobId, keys.Events.ToString(), keys.JobPrefix])).ToString()!;
        if (answer == done)
        {
            return;
        }

        throw answer == "missing" ? new JobNotFoundException(jobId) : new JobStateConflictException(jobId, answer, refusal, why(answer));
    }
}
