using System.Collections.Concurrent;
using System.Globalization;
using JobQueue.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// Keeps cron schedules (on the default queue's keys: <see cref="QueueKeys.Schedules"/>, one hash each) and fires
/// them. Firing is exactly once per occurrence with any number of schedulers: each occurrence's job is enqueued with
/// the idempotency key <c>schedule:&lt;name&gt;:&lt;due ms&gt;</c>, by the enqueue script itself, so two schedulers (or
/// one that crashed before it could advance the schedule and fires again) get the same one job; then the schedule
/// is advanced only if no one advanced it meanwhile. Every time is Redis's, so all processes share one clock.
/// </summary>
public sealed class ScheduleStore(
    IConnectionMultiplexer redis, QueueDirectory queues, JobStore jobs, IOptions<QueueOptions> options, ILogger<ScheduleStore>? logger = null)
{
    /// <summary>Schedules one pass fires at most; the rest are due at the next pass.</summary>
    private const int FiredPerPass = 100;

    private readonly ConcurrentDictionary<(string Cron, string Zone), CronTimetable> _timetables = new();
    private readonly ILogger _logger = logger ?? NullLogger<ScheduleStore>.Instance;

    private IDatabase Db => redis.GetDatabase();

    private QueueKeys Keys => queues.Default;

    /// <summary>
    /// Creates the schedule, or updates the one of that name (<see cref="Schedule.NextRunAt"/> and the pause kept while
    /// the cron expression and time zone stay the same). Refuses (writing nothing) an invalid definition
    /// (<see cref="InvalidScheduleException"/>), a queue no pool reads (<see cref="UnknownQueueException"/>) and a job type
    /// no worker of the queue handles (<see cref="UnknownJobTypeException"/>), as enqueuing the job would.
    /// </summary>
    public async Task<(Schedule Schedule, bool Created)> PutAsync(ScheduleDefinition definition, DateTimeOffset? now = null)
    {
        var at = now ?? await Db.NowAsync();
        var next = definition.Validate(at).NextAfter(at);
        var job = definition.Job;
        var queue = await queues.KnownAsync(job.Queue);
        var types = await Db.SetMembersAsync(queue.Types);
        if (types.Length > 0 && !types.Contains(job.Type))
        {
            throw new UnknownJobTypeException(queue.Name, job.Type, [.. types.Select(t => t.ToString()).Order()]);
        }

        var (maxAttempts, backoff, timeoutMs) = job.Policy?.ToFields() ?? ("", "", "");
        RedisValue[] args =
        [
            definition.Name, Ms(next), definition.Cron, definition.TimeZone,
            "misfire", definition.Misfire.ToName(), "type", job.Type, "payload", job.PayloadJson, "queue", job.Queue ?? "",
            "group", job.Group ?? "", "owner", job.Owner ?? "", "max_attempts", maxAttempts, "backoff", backoff, "timeout_ms", timeoutMs,
        ];
        var created = (int)(await QueueScripts.PutSchedule.EvaluateAsync(Db, [Keys.Schedule(definition.Name), Keys.Schedules], args)) == 1;
        await Db.PublishAsync(Keys.SchedulesChanged, definition.Name, CommandFlags.FireAndForget);
        return (await GetAsync(definition.Name) ?? throw new ScheduleNotFoundException(definition.Name), created);
    }

    /// <summary>Calls <paramref name="changed"/> whenever any process writes or resumes a schedule (what a firer sleeping until the next one waits for).</summary>
    public Task WatchChangesAsync(Action changed) => redis.GetSubscriber().SubscribeAsync(Keys.SchedulesChanged, (_, _) => changed());

    /// <summary>The schedule of that name, or null.</summary>
    public async Task<Schedule?> GetAsync(string name) =>
        ScheduleName.IsValid(name) ? Read(name, await Db.HashGetAllAsync(Keys.Schedule(name))) : null;

    /// <summary>Every schedule, by name.</summary>
    public async Task<IReadOnlyList<Schedule>> ListAsync()
    {
        var names = (await Db.SortedSetRangeByRankAsync(Keys.Schedules)).Select(n => n.ToString()).Order(StringComparer.Ordinal).ToList();
        var hashes = await Task.WhenAll(names.Select(n => Db.HashGetAllAsync(Keys.Schedule(n))));
        return [.. names.Select((n, i) => Read(n, hashes[i])).OfType<Schedule>()];
    }

    /// <summary>Deletes the schedule; false if there was none. Jobs it already enqueued run.</summary>
    public async Task<bool> DeleteAsync(string name)
    {
        var transaction = Db.CreateTransaction();
        var deleted = transaction.KeyDeleteAsync(Keys.Schedule(name));
        _ = transaction.SortedSetRemoveAsync(Keys.Schedules, name);
        await transaction.ExecuteAsync();
        return await deleted;
    }

    /// <summary>Stops firing the schedule until <see cref="ResumeAsync"/>.</summary>
    public Task<Schedule> PauseAsync(string name) => SetPausedAsync(name, paused: true, next: null);

    /// <summary>Fires the schedule again from its next occurrence: what fell due while it was paused does not run.</summary>
    public async Task<Schedule> ResumeAsync(string name, DateTimeOffset? now = null)
    {
        var schedule = await GetAsync(name) ?? throw new ScheduleNotFoundException(name);
        if (schedule.Problem is { } problem)
        {
            throw new InvalidScheduleException($"Schedule {name} cannot fire until it is written again: {problem}");
        }

        var at = now ?? await Db.NowAsync();
        return await SetPausedAsync(name, paused: false, next: Timetable(schedule.Definition).NextAfter(at));
    }

    /// <summary>Enqueues the schedule's job once, now, outside its timetable (which it leaves as it is).</summary>
    public async Task<EnqueueResult> TriggerAsync(string name)
    {
        var schedule = await GetAsync(name) ?? throw new ScheduleNotFoundException(name);
        return await jobs.EnqueueAsync(schedule.Definition.Job);
    }

    /// <summary>
    /// Fires every schedule due at <paramref name="now"/> (default: Redis's clock), as <see cref="CronTimetable.Plan"/>
    /// says: how many jobs it enqueued (repeats of another scheduler's not counted), and when the next schedule is due.
    /// </summary>
    internal async Task<FirePass> FireDueAsync(DateTimeOffset? now = null)
    {
        var at = now ?? await Db.NowAsync();
        var enqueued = 0;
        foreach (var name in await Db.SortedSetRangeByScoreAsync(Keys.Schedules, stop: at.ToUnixTimeMilliseconds(), take: FiredPerPass))
        {
            var schedule = await GetAsync(name.ToString());
            if (schedule?.Problem is { } problem)
            {
                // Written by hand or by other rules (every definition is checked when written): reported, and set aside
                // so that no pass reads it again until it is written anew.
                _logger.LogError("Schedule {Schedule} is set aside until it is written again: {Reason}", schedule.Name, problem);
                await Db.SortedSetAddAsync(Keys.Schedules, schedule.Name, double.PositiveInfinity);
            }
            else if (schedule is { Paused: false, NextRunAt: { } due } && due <= at)
            {
                enqueued += await FireAsync(schedule, due, at);
            }
        }

        var first = await Db.SortedSetRangeByRankWithScoresAsync(Keys.Schedules, 0, 0);
        return new FirePass(enqueued, first is [{ Score: var score }] && double.IsFinite(score) ? DateTimeOffset.FromUnixTimeMilliseconds((long)score) : null, at);
    }

    private async Task<int> FireAsync(Schedule schedule, DateTimeOffset due, DateTimeOffset now)
    {
        var definition = schedule.Definition;
        var plan = Timetable(definition).Plan(due, now, options.Value.ScheduleMisfireGrace, definition.Misfire);
        if (plan.Missed)
        {
            _logger.LogWarning("Schedule {Schedule} missed occurrences from {Due:o} (nothing ran them in time); {Policy}: {Run}",
                definition.Name, due, definition.Misfire.ToName(), plan.Run.Count == 0 ? "none run" : $"running {plan.Run.Count}");
        }

        var enqueued = 0;
        string? lastJob = null;
        foreach (var occurrence in plan.Run)
        {
            var key = IdempotencyKeys.ScheduleOccurrence(definition.Name, occurrence);
            try
            {
                var result = await jobs.EnqueueAsync(definition.Job with { RunAt = occurrence, IdempotencyKey = key });
                (lastJob, enqueued) = (result.Job.Id, enqueued + (result.Replayed ? 0 : 1));
            }
            catch (IdempotencyKeyReusedException)
            {
                lastJob = null; // enqueued already, by a scheduler holding the schedule's earlier version
            }
            catch (Exception e) when (e is UnknownQueueException or UnknownJobTypeException)
            {
                // Checked when the schedule was written: only a wiped registry gets here. Waiting would not help.
                _logger.LogError("Schedule {Schedule} cannot enqueue its occurrence of {Due:o}: {Reason}", definition.Name, occurrence, e.Message);
            }
        }

        RedisValue[] args = [definition.Name, Ms(due), Ms(plan.Next), plan.Run.Count > 0 ? Ms(plan.Run[^1]) : "", lastJob ?? ""];
        await QueueScripts.AdvanceSchedule.EvaluateAsync(Db, [Keys.Schedule(definition.Name), Keys.Schedules], args);
        return enqueued;
    }

    private async Task<Schedule> SetPausedAsync(string name, bool paused, DateTimeOffset? next)
    {
        var transaction = Db.CreateTransaction();
        transaction.AddCondition(Condition.KeyExists(Keys.Schedule(name)));
        _ = paused
            ? transaction.HashSetAsync(Keys.Schedule(name), "paused", 1)
            : transaction.HashSetAsync(Keys.Schedule(name), [new("paused", 0), new("next_due", Ms(next))]);
        _ = transaction.SortedSetAddAsync(Keys.Schedules, name, next is { } n ? n.ToUnixTimeMilliseconds() : double.PositiveInfinity);
        if (!paused)
        {
            _ = transaction.PublishAsync(Keys.SchedulesChanged, name);
        }

        return await transaction.ExecuteAsync() && await GetAsync(name) is { } schedule ? schedule : throw new ScheduleNotFoundException(name);
    }

    private CronTimetable Timetable(ScheduleDefinition definition) =>
        _timetables.GetOrAdd((definition.Cron, definition.TimeZone), key => CronTimetable.Parse(key.Cron, key.Zone));

    /// <summary>Why the definition gives no timetable (null when it does).</summary>
    private string? ProblemOf(ScheduleDefinition definition)
    {
        try
        {
            Timetable(definition);
            return null;
        }
        catch (InvalidScheduleException e)
        {
            return e.Message;
        }
    }

    private Schedule? Read(string name, HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var hash = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        string? Text(string field) => hash.GetValueOrDefault(field) is { Length: > 0 } value ? value : null;
        DateTimeOffset? Time(string field) =>
            long.TryParse(Text(field), CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

        MisfirePolicyNames.TryParse(Text("misfire"), out var misfire);
        var job = new NewJob(Text("type") ?? "", Text("payload") ?? "null",
            Policy: JobPolicy.FromFields(Text("max_attempts"), Text("backoff"), Text("timeout_ms")),
            Queue: Text("queue"), Group: Text("group"), Owner: Text("owner"));
        var paused = Text("paused") == "1";
        var lastRun = Time("last_due") is { } lastDue ? new ScheduleRun(lastDue, Text("last_job_id"), Time("last_fired_at") ?? lastDue) : null;
        var definition = new ScheduleDefinition(name, Text("cron") ?? "", job, Text("time_zone") ?? "UTC", misfire);
        var problem = ProblemOf(definition);
        return new Schedule(definition, paused, paused || problem is not null ? null : Time("next_due"), lastRun,
            Time("created_at") ?? DateTimeOffset.UnixEpoch, Time("updated_at") ?? DateTimeOffset.UnixEpoch, problem);
    }

    private static RedisValue Ms(DateTimeOffset? at) => at is { } t ? t.ToUnixTimeMilliseconds() : RedisValue.EmptyString;
}

/// <summary>What one <see cref="ScheduleStore.FireDueAsync"/> did: the jobs it enqueued; when the next schedule is due (null: none is), by Redis's clock, which read <see cref="At"/>.</summary>
internal sealed record FirePass(int Enqueued, DateTimeOffset? NextDue, DateTimeOffset At);
