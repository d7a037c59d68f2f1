using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Engine;

/// <summary>
/// Cron schedules against a real redis-server, on a clock the test chooses (the store fires as of the time it is
/// given): misfires after downtime, daylight saving time, redeclaring, several schedulers at once.
/// </summary>
public sealed class ScheduleTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(MisfirePolicy.Skip, new[] { 10, 60 })]
    [InlineData(MisfirePolicy.CatchUp, new[] { 10, 50, 60 })]
    public async Task After_downtime_a_schedule_skips_its_missed_occurrences_or_runs_one_catch_up_job_never_one_each(MisfirePolicy misfire, int[] expectedSeconds)
    {
        var (schedules, jobs) = Stores();
        await schedules.PutAsync(new ScheduleDefinition("every-10s", "*/10 * * * * *", new NewJob("echo", "{}"), Misfire: misfire), T0);

        await schedules.FireDueAsync(T0 + TimeSpan.FromSeconds(10));
        // Nothing runs for 55 s: 20, 30, 40 and 50 fall due unseen; 60 is 5 s late, inside the 10 s grace.
        await schedules.FireDueAsync(T0 + TimeSpan.FromSeconds(65));
        await schedules.FireDueAsync(T0 + TimeSpan.FromSeconds(66));

        Assert.Equal(expectedSeconds, await RunSecondsAsync(jobs));
        Assert.Equal(T0 + TimeSpan.FromSeconds(70), (await schedules.GetAsync("every-10s"))!.NextRunAt);
    }

    [Theory]
    [InlineData("0 30 2 * * *", "2026-03-07T12:00:00Z", "2026-03-10T00:00:00Z", new[] { "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z" })]
    [InlineData("0 30 1 * * *", "2026-10-31T12:00:00Z", "2026-11-03T00:00:00Z", new[] { "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z" })]
    public async Task A_daily_schedule_in_new_york_fires_once_on_the_day_daylight_saving_time_skips_or_repeats_its_hour(
        string cron, string from, string to, string[] expected)
    {
        // 02:30 does not exist on 8 March (02:00 EST jumps to 03:00 EDT): it runs once, at 03:00 EDT. 01:30 comes twice
        // on 1 November (EDT, then EST): it runs once, at the first. A scheduler ticks every 5 minutes across both days.
        var (schedules, jobs) = Stores(grace: TimeSpan.FromHours(1));
        var start = DateTimeOffset.Parse(from);
        await schedules.PutAsync(new ScheduleDefinition("nightly", cron, new NewJob("echo", "{}"), "America/New_York"), start);

        for (var now = start; now <= DateTimeOffset.Parse(to); now += TimeSpan.FromMinutes(5))
        {
            await schedules.FireDueAsync(now);
        }

        Assert.Equal(expected.Select(DateTimeOffset.Parse), (await RunsAsync(jobs)).Select(j => j.RunAt!.Value));
    }

    [Fact]
    public async Task Three_schedulers_firing_the_same_occurrences_at_once_enqueue_one_job_each()
    {
        var (schedules, jobs) = Stores();
        var others = new[] { Stores().Schedules, Stores().Schedules };
        await schedules.PutAsync(new ScheduleDefinition("every-second", "* * * * * *", new NewJob("echo", "{}")), T0);

        for (var second = 1; second <= 20; second++)
        {
            var now = T0 + TimeSpan.FromSeconds(second);
            await Task.WhenAll(others.Append(schedules).Select(s => s.FireDueAsync(now)));
        }

        Assert.Equal(Enumerable.Range(1, 20), await RunSecondsAsync(jobs));
    }

    [Fact]
    public async Task A_schedule_declared_by_every_replica_at_start_exists_once_and_keeps_its_next_run_until_its_timetable_changes()
    {
        var queue = NewQueue();
        var definition = new ScheduleDefinition("report", "0 0 6 * * *", new NewJob("echo", "{\"report\":\"daily\"}"), "Europe/Paris");
        var replicas = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartDeclaringAsync(queue, definition)));
        var (schedules, _) = Stores(queue);
        var first = await Eventually.WaitAsync(() => schedules.GetAsync("report"), s => s is not null, TimeSpan.FromSeconds(10), "the schedule");

        // A deploy declares it again: the same schedule, the same next run.
        using (await StartDeclaringAsync(queue, definition))
        {
            await Eventually.WaitAsync(() => schedules.GetAsync("report"), s => s!.UpdatedAt > first!.UpdatedAt, TimeSpan.FromSeconds(10), "the redeclaration");
        }

        var all = await schedules.ListAsync();
        Assert.Equal(["report"], all.Select(s => s.Name));
        Assert.Equal(first!.NextRunAt, all[0].NextRunAt);
        Assert.Equal(first.CreatedAt, all[0].CreatedAt);

        var (changed, created) = await schedules.PutAsync(definition with { Cron = "0 0 7 * * *" });
        Assert.False(created);
        Assert.Equal(7, TimeZoneInfo.ConvertTime(changed.NextRunAt!.Value, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).Hour);
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    [Fact]
    public async Task A_paused_schedule_fires_nothing_and_resumes_from_its_next_occurrence_without_the_ones_it_slept_through()
    {
        var (schedules, jobs) = Stores();
        await schedules.PutAsync(new ScheduleDefinition("paused", "*/10 * * * * *", new NewJob("echo", "{}")), T0);
        await schedules.PauseAsync("paused");
        await schedules.FireDueAsync(T0 + TimeSpan.FromSeconds(35));
        await schedules.ResumeAsync("paused", T0 + TimeSpan.FromSeconds(35));
        await schedules.FireDueAsync(T0 + TimeSpan.FromSeconds(41));

        Assert.Equal(new[] { 40 }, await RunSecondsAsync(jobs));
    }

    [Fact]
    public async Task Writing_or_resuming_a_schedule_tells_every_process_that_watches_so_a_sleeping_firer_looks_again_at_once()
    {
        var (schedules, _) = Stores();
        var told = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();
        await Stores().Schedules.WatchChangesAsync(() => told.Enqueue(DateTimeOffset.UtcNow)); // another worker's firer

        await schedules.PutAsync(new ScheduleDefinition("watched", "0 0 6 * * *", new NewJob("echo", "{}")), T0);
        await schedules.PauseAsync("watched");
        await schedules.ResumeAsync("watched", T0);

        await Eventually.WaitAsync(() => Task.FromResult(told.Count), count => count == 2, TimeSpan.FromSeconds(5), "the written and the resumed schedule to be told");
        await Task.Delay(200);
        Assert.Equal(2, told.Count); // pausing tells no one: nothing falls due sooner
    }

    private (ScheduleStore Schedules, JobStore Jobs) Stores(string? queue = null, TimeSpan? grace = null)
    {
        var options = Options.Create(new QueueOptions { Name = queue ?? _queue, ScheduleMisfireGrace = grace ?? TimeSpan.FromSeconds(10) });
        var directory = new QueueDirectory(server.Redis, options);
        var jobs = new JobStore(server.Redis, directory, options);
        return (new ScheduleStore(server.Redis, directory, jobs, options), jobs);
    }

    private readonly string _queue = NewQueue();

    private static string NewQueue() => "sched-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<IHost> StartDeclaringAsync(string queue, ScheduleDefinition definition)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = server.ConnectionString;
        builder.Configuration["Queue:Name"] = queue;
        builder.AddJobSchedule(definition);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The jobs the schedules enqueued (all in the test's queue), by the occurrence each ran for.</summary>
    private async Task<IReadOnlyList<JobRecord>> RunsAsync(JobStore jobs)
    {
        var (page, _) = await jobs.ListAsync(JobFilter.None, 100, null);
        return [.. page.OrderBy(j => j.RunAt)];
    }

    private async Task<int[]> RunSecondsAsync(JobStore jobs) =>
        (await RunsAsync(jobs)).Select(j => (int)(j.RunAt!.Value - T0).TotalSeconds).ToArray();
}
