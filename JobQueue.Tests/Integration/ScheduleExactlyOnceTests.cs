using System.Net;
using System.Net.Http.Json;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Integration;

/// <summary>A schedule fired by many workers at once, one of them killed, still enqueues one job per occurrence (the shared app: 3 workers, 2 API replicas).</summary>
[Collection(AppCollection.Name)]
public sealed class ScheduleExactlyOnceTests(AppFixture app) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => app.RestoreWorkersAsync();

    [Fact]
    public async Task An_every_second_schedule_for_30_seconds_across_3_workers_and_2_api_replicas_gives_exactly_one_job_per_occurrence()
    {
        var marker = Guid.NewGuid().ToString("N");
        var body = new { cron = "* * * * * *", job = new { type = "echo", payload = new { marker } } };
        using var replica0 = new HttpClient { BaseAddress = app.Resources.Get("api", 0).Url! };
        using var replica1 = new HttpClient { BaseAddress = app.Resources.Get("api", 1).Url! };
        // Both replicas declare it, as every replica of an app that declares its schedules at start does.
        var active = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(replica0.PutAsJsonAsync("/schedules/every-second", body), replica1.PutAsJsonAsync("/schedules/every-second", body));

        await Task.Delay(TimeSpan.FromSeconds(10));
        Signals.Send(app.Resources.Get("worker", 0).Pid!.Value, Signals.Kill);
        await Task.Delay(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.NoContent, (await replica1.DeleteAsync("/schedules/every-second")).StatusCode);
        var seconds = active.Elapsed.TotalSeconds; // about 30; more when a loaded machine stretches the delays

        var db = app.Db;
        var runs = await Eventually.WaitAsync(() => ScheduledJobsAsync(db, marker), jobs => jobs.All(j => j.Status == "done"),
            TimeSpan.FromSeconds(30), "every job of the schedule to be done");
        var byOccurrence = runs.GroupBy(r => r.RunAt).ToDictionary(g => g.Key, g => g.Count());
        var (first, last) = (byOccurrence.Keys.Min(), byOccurrence.Keys.Max());
        var occurrences = (last - first) / 1000 + 1;

        Assert.All(byOccurrence, o => Assert.True(o.Value == 1, $"occurrence {o.Key} has {o.Value} jobs"));
        Assert.All(byOccurrence.Keys, at => Assert.Equal(0, at % 1000));
        Assert.Equal(occurrences, byOccurrence.Count); // no second without its job
        Assert.InRange(occurrences, (long)seconds - 3, (long)Math.Ceiling(seconds) + 1);
        TestReport.Add($"Schedule every second for 30 s, 4 workers firing (one SIGKILLed at 10 s), 2 API replicas: {occurrences} occurrences, {runs.Count} jobs, 0 duplicates, 0 gaps");
    }

    private static async Task<List<(long RunAt, string Status)>> ScheduledJobsAsync(IDatabase db, string marker)
    {
        var ids = await db.SortedSetRangeByRankAsync("{jobs}:jobs");
        var fields = await Task.WhenAll(ids.Select(id => db.HashGetAsync("{jobs}:job:" + id, ["payload", "run_at", "status"])));
        return [.. fields.Where(f => f[0].ToString().Contains(marker)).Select(f => ((long)f[1], f[2].ToString()))];
    }
}
