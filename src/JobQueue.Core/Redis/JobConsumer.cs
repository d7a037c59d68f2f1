using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// One worker's seat in one queue's consumer group: joins it, takes and reclaims entries, claims, completes and
/// renews attempts. It never blocks: a worker with nothing to take waits on a <see cref="WakeUpWaiter"/>.
/// </summary>
internal sealed class JobConsumer(
    IConnectionMultiplexer redis,
    QueueKeys keys,
    QueueOptions options,
    string consumerName,
    IReadOnlyDictionary<string, int>? maxAttemptsByType = null)
{
    // For the claim scripts' attempt guard: the types whose handlers were registered with their own max attempts.
    private readonly string _typeMaxAttempts = string.Join(' ', (maxAttemptsByType ?? new Dictionary<string, int>())
        .Where(t => t.Value != options.MaxAttempts).Select(t => $"{t.Key} {t.Value}"));

    private IDatabase Db => redis.GetDatabase();

    public string Name => consumerName;

    /// <summary>The keys of the queue this consumer reads.</summary>
    public QueueKeys Keys => keys;

    /// <summary>Creates the stream and group if missing; the group starts at 0 so jobs enqueued before any worker existed are read.</summary>
    public Task EnsureGroupAsync() => EnsureGroupAsync(Db, keys);

    /// <inheritdoc cref="EnsureGroupAsync()"/>
    internal static async Task EnsureGroupAsync(IDatabase db, QueueKeys keys)
    {
        try
        {
            await db.StreamCreateConsumerGroupAsync(keys.Stream, QueueKeys.ConsumerGroup, "0-0", createStream: true);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Tells the API which job types this worker runs, so it can refuse others with a 400.</summary>
    public Task RegisterTypesAsync(IEnumerable<string> types) =>
        Db.SetAddAsync(keys.Types, [.. types.Select(t => (RedisValue)t)]);

    /// <summary>
    /// Registers this consumer's worker process in the queue's registry (<see cref="QueueKeys.Workers"/>), seen now by
    /// Redis's clock (<see cref="WorkerRegistration.LastSeenAt"/> is not sent), and forgets workers not seen for
    /// <paramref name="keep"/>; returns how many it forgot.
    /// </summary>
    public async Task<int> RegisterWorkerAsync(WorkerRegistration registration, TimeSpan keep)
    {
        if (registration.Consumer != consumerName)
        {
            throw new ArgumentException($"The registration is of consumer '{registration.Consumer}', not of this one ('{consumerName}').", nameof(registration));
        }

        return (int)await QueueScripts.RegisterWorker.EvaluateAsync(Db, [keys.Workers, keys.WorkersSeen],
            [consumerName, registration.ToStored(), (long)keep.TotalMilliseconds]);
    }

    /// <summary>
    /// One XAUTOCLAIM step: takes over entries idle longer than <paramref name="minIdle"/> (their worker died
    /// or hung). Returns them with the cursor for the next step ("0-0" when the sweep is complete).
    /// </summary>
    public async Task<(IReadOnlyList<DeliveredEntry> Entries, string NextCursor, int Deleted)> ReclaimAsync(
        TimeSpan minIdle, string cursor, int count)
    {
        var result = await Db.StreamAutoClaimAsync(
            keys.Stream, QueueKeys.ConsumerGroup, consumerName, (long)minIdle.TotalMilliseconds, cursor, count);
        var entries = result.ClaimedEntries
            .Where(e => !e.IsNull)
            .Select(e => Delivered(e.Id.ToString(), [.. e.Values.SelectMany(v => new[] { v.Name, v.Value })]))
            .ToList();
        return (entries, result.NextStartId.ToString(), result.DeletedIds.Length);
    }

    /// <summary>
    /// Takes up to <paramref name="count"/> new entries and claims them in one script call, as far as the queue's
    /// controls allow (pause, concurrency and rate limits; see read_and_claim.lua). Never blocks. Sent on
    /// <paramref name="connection"/> when given (<see cref="WakeUpWaiter.WaitThenTakeAsync"/> sends it behind its wait).
    /// </summary>
    public async Task<QueueTake> ReadAndClaimAsync(int count, IDatabaseAsync? connection = null)
    {
        var reply = (RedisResult[])(await QueueScripts.ReadAndClaim.EvaluateAsync(connection ?? Db,
            [keys.Stream, keys.Dead, keys.Stats, keys.Controls, keys.RateWindow, keys.HeldGroups], ClaimArgs([count])))!;
        var state = reply[0].ToString() switch
        {
            "paused" => QueueTakeState.Paused,
            "limited" => QueueTakeState.Limited,
            _ => QueueTakeState.Ready,
        };
        return new QueueTake(state, ParseClaims(reply.AsSpan(3)),
            TimeSpan.FromMilliseconds((long)reply[1]), (int)reply[2] == 1);
    }

    /// <summary>
    /// Claims entries <see cref="ReclaimAsync"/> took over, in one script call that also counts their earlier
    /// deliveries towards the attempts. One result per entry, in order.
    /// </summary>
    public async Task<IReadOnlyList<ClaimResult>> ClaimReclaimedAsync(IReadOnlyList<DeliveredEntry> entries)
    {
        if (entries.Count == 0)
        {
            return [];
        }

        var rows = (RedisResult[])(await QueueScripts.Reclaim.EvaluateAsync(Db, [keys.Stream, keys.Dead, keys.Stats],
            ClaimArgs([entries.Count, .. entries.Select(e => (RedisValue)e.EntryId), .. entries.Select(e => (RedisValue)e.JobId)])))!;
        return ParseClaims(rows);
    }

    /// <summary>Whether an operator paused the queue (then stalled jobs wait too: reclaiming one would start it).</summary>
    public async Task<bool> IsPausedAsync() => await Db.HashGetAsync(keys.Controls, "paused") == 1;

    /// <summary>ARGV of the claim scripts: the shared ARGV[1..7] of _claim.lua's claim_context, then the script's own.</summary>
    private RedisValue[] ClaimArgs(RedisValue[] rest) =>
    [
        QueueKeys.ConsumerGroup, consumerName, options.MaxAttempts, keys.Events.ToString(),
        (long)options.DeadLetterRetention.TotalMilliseconds, keys.JobPrefix, _typeMaxAttempts, .. rest,
    ];

    /// <summary>The width of a claim script's rows, which its reply holds one after another (_claim.lua's CLAIM_ROW_WIDTH).</summary>
    private const int ClaimRowWidth = 13;

    private static ClaimResult[] ParseClaims(ReadOnlySpan<RedisResult> rows)
    {
        var claims = new ClaimResult[rows.Length / ClaimRowWidth];
        for (var i = 0; i < claims.Length; i++)
        {
            claims[i] = ParseClaim(rows.Slice(i * ClaimRowWidth, ClaimRowWidth));
        }

        return claims;
    }

    /// <summary>One row of a claim script (see _claim.lua): entry id, job id, outcome, then what the outcome carries.</summary>
    private static ClaimResult ParseClaim(ReadOnlySpan<RedisResult> row)
    {
        var entry = new DeliveredEntry(row[0].ToString()!, row[1].ToString()!);
        return row[2].ToString() switch
        {
            "claimed" => new ClaimResult(entry, ClaimOutcome.Claimed, new ClaimedJob(
                entry.EntryId, entry.JobId, row[4].ToString()!, row[5].ToString()!, (int)row[3],
                row[6].ToString()!, NullIfEmpty(row[7].ToString()), TimeSpan.FromMilliseconds((long)row[8]), (int)row[9],
                JobPolicy.FromFields(row[10].ToString(), row[11].ToString(), row[12].ToString())), (int)row[3]),
            "exhausted" => new ClaimResult(entry, ClaimOutcome.Exhausted, null, (int)row[3]),
            "finished" => new ClaimResult(entry, ClaimOutcome.Finished, null, 0),
            "unreadable" => new ClaimResult(entry, ClaimOutcome.Unreadable, null, 0),
            "malformed" => new ClaimResult(entry, ClaimOutcome.Malformed, null, 0),
            "held" => new ClaimResult(entry, ClaimOutcome.Held, null, 0),
            _ => new ClaimResult(entry, ClaimOutcome.Lost, null, 0),
        };
    }

    /// <summary>
    /// Records the end of an attempt, deciding what follows it (<see cref="JobLifecycle.AfterAttempt"/>) under the
    /// job's own policy, else the queue's; refused (<see cref="CompletionResult.Stale"/>) if the job was reclaimed meanwhile.
    /// </summary>
    public async Task<CompletionResult> CompleteAsync(ClaimedJob job, AttemptOutcome outcome, string resultOrError)
    {
        var policy = (job.Policy ?? new JobPolicy()).Or(new JobPolicy(options.MaxAttempts));
        var step = JobLifecycle.AfterAttempt(outcome, job.Attempt, policy, Random.Shared);
        return (await CompleteAsync([new AttemptEnd(job, step, resultOrError)]))[0];
    }

    /// <summary>
    /// Records the ends of several attempts in one script call, each with the step its caller decided
    /// (<see cref="JobLifecycle.AfterAttempt"/>); each result is as for one.
    /// </summary>
    public async Task<IReadOnlyList<CompletionResult>> CompleteAsync(IReadOnlyList<AttemptEnd> ends)
    {
        var call = new CompleteScriptCall(keys, options, ends);
        var replies = (RedisResult[])(await QueueScripts.Complete.EvaluateAsync(Db, call.Keys, call.Arguments))!;
        return [.. replies.Select(reply => reply.ToString() switch
        {
            "done" => CompletionResult.Done,
            "retried" => CompletionResult.Retried,
            "failed" => CompletionResult.Failed,
            "canceled" => CompletionResult.Canceled,
            _ => CompletionResult.Stale,
        })];
    }

    /// <summary>The results of a job's dependencies that ended done, by dependency id (JSON text), for its handler.</summary>
    public async Task<IReadOnlyDictionary<string, string>> DependencyResultsAsync(string jobId) =>
        (await Db.HashGetAllAsync(keys.DependencyResults(jobId))).ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());

    /// <summary>Records a running attempt's progress; false if the attempt no longer holds the job.</summary>
    public async Task<bool> ReportProgressAsync(ClaimedJob job, string progressJson) =>
        (int)await QueueScripts.Progress.EvaluateAsync(Db, [keys.Job(job.JobId)],
            [job.Token, progressJson, job.JobId, keys.Events.ToString()]) == 1;

    /// <summary>Resets the idle time of attempts this consumer still holds; returns the tokens of those it lost.</summary>
    public async Task<IReadOnlySet<string>> RenewAsync(IReadOnlyCollection<ClaimedJob> jobs)
    {
        if (jobs.Count == 0)
        {
            return new HashSet<string>();
        }

        RedisKey[] scriptKeys = [keys.Stream, .. jobs.Select(j => keys.Job(j.JobId))];
        RedisValue[] args = [QueueKeys.ConsumerGroup, consumerName, .. jobs.SelectMany(j => new RedisValue[] { j.EntryId, j.Token })];
        var lost = (RedisResult[])(await QueueScripts.Renew.EvaluateAsync(Db, scriptKeys, args))!;
        return lost.Select(l => l.ToString()!).ToHashSet();
    }

    /// <summary>An entry as delivered, with the job id it names as written (validated by the claim scripts).</summary>
    private static DeliveredEntry Delivered(string entryId, RedisValue[] fieldsAndValues)
    {
        for (var i = 0; i + 1 < fieldsAndValues.Length; i += 2)
        {
            if (fieldsAndValues[i] == "job_id")
            {
                return new DeliveredEntry(entryId, fieldsAndValues[i + 1].ToString());
            }
        }

        return new DeliveredEntry(entryId, "");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
