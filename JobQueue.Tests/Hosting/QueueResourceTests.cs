using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobQueue.Tests.Hosting;

/// <summary>
/// A queue as a resource of an Aspire app (JobQueue.Hosting's <c>AddJobQueue</c>), as its operator sees it through
/// Aspire: its properties follow the jobs, its health turns Degraded and back, Unhealthy without Redis, and each
/// command changes Redis as its message says. The worker only references the queue: that is how it knows what to read.
/// </summary>
[TakesAbout(40)]
public sealed class QueueResourceTests(QueueResourceApp app) : IClassFixture<QueueResourceApp>
{
    private static readonly TimeSpan Timeout = QueueResourceApp.Timeout;

    [Fact]
    public async Task Its_properties_follow_jobs_waiting_past_the_alert_then_drained_by_a_worker_that_only_referenced_the_queue()
    {
        var ledger = Guid.NewGuid().ToString("N");
        await EnsureIdleAsync();
        var ids = await EnqueueAsync(6, ledger);

        var waiting = await app.WaitForQueueAsync(s => QueueResourceApp.Property(s, "jobqueue.waiting") == "6", "6 jobs waiting");
        Assert.Equal(KnownResourceStates.Running, waiting.State?.Text);
        Assert.Equal("emails", QueueResourceApp.Property(waiting, "jobqueue.queue"));
        var degraded = await app.WaitForHealthAsync(HealthStatus.Degraded);
        Assert.Contains("oldest waiting job has waited", degraded.HealthReports.Single(r => r.Name == "emails_check").Description);

        await app.StartWorkerAsync();

        foreach (var id in ids)
        {
            await Eventually.WaitAsync(() => StatusAsync(id), s => s == "done", Timeout, $"job {id} to be done");
        }

        var drained = await app.WaitForQueueAsync(
            s => QueueResourceApp.Property(s, "jobqueue.waiting") == "0" && double.Parse(QueueResourceApp.Property(s, "jobqueue.done_per_minute")!) > 0,
            "the queue drained, with jobs done per minute");
        // Each start of the worker is a consumer of its own; one that stopped stays in the group until the janitor's idle limit.
        Assert.InRange(int.Parse(QueueResourceApp.Property(drained, "jobqueue.consumers")!), 1, 5);
        await app.WaitForHealthAsync(HealthStatus.Healthy);
        // The worker read the queue it was given by the reference, under its resource name as its pool.
        Assert.All((await app.Redis.GetDatabase().HashGetAllAsync(LedgerApp.LedgerKey(ledger) + ":pool")).Select(e => e.Value.ToString()),
            pool => Assert.Equal(QueueResourceApp.Worker, pool));
    }

    [Fact]
    public async Task A_process_that_waits_for_the_queue_starts_only_once_the_queue_is_ready_and_healthy()
    {
        var (queueHealthy, waiterRunning) = await app.StartOrder;

        Assert.True(queueHealthy > 0 && waiterRunning > queueHealthy,
            $"the waiter ran at event {waiterRunning}, the queue was first healthy at event {queueHealthy}");
    }

    [Fact]
    public async Task Pause_stops_starts_until_resume_and_the_resource_reads_Paused_meanwhile()
    {
        await app.StartWorkerAsync();

        var paused = await app.RunAsync("jobqueue-pause");
        Assert.True(paused.Success, paused.Message);
        Assert.Equal("Paused queue 'emails': no job starts until it is resumed; running jobs finish.", paused.Message);
        Assert.True((await app.Controls.GetAsync(QueueResourceApp.Queue)).Paused);
        await app.WaitForQueueAsync(s => s.State?.Text == "Paused", "the state Paused");

        var ids = await EnqueueAsync(2, Guid.NewGuid().ToString("N"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var id in ids)
        {
            Assert.Equal("queued", await StatusAsync(id));
        }

        var resumed = await app.RunAsync("jobqueue-resume");
        Assert.True(resumed.Success, resumed.Message);
        await app.WaitForQueueAsync(s => s.State?.Text == KnownResourceStates.Running, "the state Running");
        foreach (var id in ids)
        {
            await Eventually.WaitAsync(() => StatusAsync(id), s => s == "done", Timeout, $"job {id} to be done after resume");
        }
    }

    [Fact]
    public async Task Dead_letters_past_the_alert_degrade_it_retry_brings_them_back_and_purge_empties_them()
    {
        await app.StartWorkerAsync();
        var ledger = Guid.NewGuid().ToString("N");

        // Three jobs that fail their only attempt (their first run fails on purpose), then three more.
        var failing = await EnqueueAsync(3, ledger, failRuns: 1);
        await WaitForDeadLettersAsync(3);
        var degraded = await app.WaitForHealthAsync(HealthStatus.Degraded);
        Assert.Contains("3 dead letters, over the alert of 2", degraded.HealthReports.Single(r => r.Name == "emails_check").Description);

        var none = await app.RunAsync("jobqueue-retry-dead-letters", ("type", "no-such-type"));
        Assert.Equal((true, "Retried 0 dead letters of type 'no-such-type' of queue 'emails'."), (none.Success, none.Message));
        var retried = await app.RunAsync("jobqueue-retry-dead-letters", ("type", "ledger-sleep"));
        Assert.Equal((true, "Retried 3 dead letters of type 'ledger-sleep' of queue 'emails'."), (retried.Success, retried.Message));
        foreach (var id in failing)
        {
            // Its second run succeeds.
            await Eventually.WaitAsync(() => StatusAsync(id), s => s == "done", Timeout, $"retried job {id} to be done");
        }

        await WaitForDeadLettersAsync(0);
        await app.WaitForHealthAsync(HealthStatus.Healthy);

        var doomed = await EnqueueAsync(3, ledger, failRuns: 5);
        await WaitForDeadLettersAsync(3);
        var purged = await app.RunAsync("jobqueue-purge-dead-letters");
        Assert.Equal((true, "Deleted 3 dead letters of queue 'emails' with their jobs."), (purged.Success, purged.Message));
        Assert.Equal(0, (await app.Inspector.StatsAsync(QueueResourceApp.Queue)).DeadLetters);
        foreach (var id in doomed)
        {
            Assert.Null(await StatusAsync(id));
        }

        await app.WaitForQueueAsync(s => QueueResourceApp.Property(s, "jobqueue.dead_letters") == "0", "no dead letters shown");
    }

    [Fact]
    public async Task Run_a_schedule_now_queues_its_job_and_an_unknown_schedule_is_refused_by_name()
    {
        await app.StartWorkerAsync();

        var unknown = await app.RunAsync("jobqueue-run-schedule", ("schedule", "no-such-schedule"));
        Assert.False(unknown.Success);
        Assert.Equal("There is no schedule 'no-such-schedule'.", unknown.Message);
        var unnamed = await app.RunAsync("jobqueue-run-schedule");
        Assert.False(unnamed.Success);

        var ledger = Guid.NewGuid().ToString("N");
        await app.Schedules.PutAsync(new ScheduleDefinition("yearly-report", "0 0 1 1 *",
            new NewJob("ledger-sleep", JsonSerializer.Serialize(new { ms = 10, ledger }), Queue: QueueResourceApp.Queue)));
        var ran = await app.RunAsync("jobqueue-run-schedule", ("schedule", "yearly-report"));
        Assert.True(ran.Success, ran.Message);
        var queued = System.Text.RegularExpressions.Regex.Match(ran.Message!, "^Schedule 'yearly-report' ran now: job (.+) queued.$");
        Assert.True(queued.Success, ran.Message);
        var jobId = queued.Groups[1].Value;
        await Eventually.WaitAsync(() => StatusAsync(jobId), s => s == "done", Timeout, "the schedule's job to be done");
        Assert.Equal(1, (int)await app.Redis.GetDatabase().HashGetAsync(LedgerApp.LedgerKey(ledger), jobId));
    }

    [Fact]
    public async Task It_is_Unhealthy_while_its_Redis_is_stopped_and_Healthy_again_once_Redis_is_back()
    {
        var redis = app.Resources.Of("redis").Single().Id;
        await app.Resources.StopAsync(redis);
        var unhealthy = await app.WaitForHealthAsync(HealthStatus.Unhealthy);
        Assert.Contains(unhealthy.HealthReports, r => r.Name == "emails_check" && r.Status == HealthStatus.Unhealthy);

        await app.Resources.StartAsync(redis);
        await app.WaitForHealthAsync(HealthStatus.Healthy);
        await app.WaitForQueueAsync(s => s.State?.Text == KnownResourceStates.Running, "the queue read again");
    }

    [Fact]
    public async Task Its_health_report_is_renewed_with_every_reading_of_the_queue_not_only_at_aspires_30_s_recheck()
    {
        // Aspire re-runs a healthy resource's check every 30 s: a backlog or a lost Redis would show that late.
        var lastRun = HealthReport(await app.WaitForQueueAsync(s => HealthReport(s)?.LastRunAt is not null, "a health report"))!.LastRunAt;
        for (var reading = 0; reading < 3; reading++)
        {
            var seen = lastRun;
            // Within three of the monitor's 2 s readings.
            lastRun = HealthReport(await app.WaitForQueueAsync(s => HealthReport(s)?.LastRunAt > seen, "a newer health report",
                within: TimeSpan.FromSeconds(6)))!.LastRunAt;
        }
    }

    private static HealthReportSnapshot? HealthReport(CustomResourceSnapshot snapshot) =>
        snapshot.HealthReports.SingleOrDefault(r => r.Name == "emails_check");

    private async Task EnsureIdleAsync()
    {
        // Another test of the class may have started the worker: this one starts with none.
        foreach (var worker in app.Resources.Of(QueueResourceApp.Worker).Where(r => r.State == KnownResourceStates.Running))
        {
            await app.Resources.StopAsync(worker.Id);
        }

        await app.WaitForQueueAsync(s => QueueResourceApp.Property(s, "jobqueue.waiting") == "0" && QueueResourceApp.Property(s, "jobqueue.running") == "0",
            "an empty queue");
    }

    private async Task<IReadOnlyList<string>> EnqueueAsync(int count, string ledger, int failRuns = 0)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var job = new NewJob("ledger-sleep", JsonSerializer.Serialize(new { ms = 50, ledger, failRuns }),
                Policy: new JobPolicy(MaxAttempts: 1), Queue: QueueResourceApp.Queue);
            ids.Add((await app.Store.EnqueueAsync(job)).Job.Id);
        }

        return ids;
    }

    private async Task<string?> StatusAsync(string jobId) =>
        (await app.Inspector.JobFieldsAsync(jobId))?.GetValueOrDefault("status");

    private Task WaitForDeadLettersAsync(long count) =>
        Eventually.WaitAsync(async () => (await app.Inspector.StatsAsync(QueueResourceApp.Queue)).DeadLetters, n => n == count, Timeout,
            $"{count} dead letters");
}
