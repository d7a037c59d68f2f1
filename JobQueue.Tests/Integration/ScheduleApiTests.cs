using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>Schedules over HTTP through the AppHost: written, read with their next runs, fired by the workers, paused, run once, deleted.</summary>
[Collection(AppCollection.Name)]
public sealed class ScheduleApiTests(AppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_schedule_written_over_http_shows_its_next_runs_in_its_time_zone_and_writing_it_again_keeps_them()
    {
        var name = NewName();
        var body = new { cron = "0 30 6 * * 1-5", time_zone = "Europe/Paris", misfire = "skip", job = new { type = "echo", payload = new { report = "daily" }, max_attempts = 3 } };

        using var created = await app.Api.PutAsJsonAsync($"/schedules/{name}", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/schedules/{name}", created.Headers.Location?.ToString());
        using var again = await app.Api.PutAsJsonAsync($"/schedules/{name}", body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var schedule = await app.Api.GetFromJsonAsync<JsonElement>($"/schedules/{name}");
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var nextRuns = schedule.GetProperty("next_runs").EnumerateArray().Select(r => r.GetDateTimeOffset()).ToList();
        Assert.Equal(5, nextRuns.Count);
        Assert.All(nextRuns, run =>
        {
            var local = TimeZoneInfo.ConvertTime(run, paris);
            Assert.Equal((6, 30), (local.Hour, local.Minute));
            Assert.InRange(local.DayOfWeek, DayOfWeek.Monday, DayOfWeek.Friday);
        });
        Assert.Equal(nextRuns[0], schedule.GetProperty("next_run_at").GetDateTimeOffset());
        Assert.Equal((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("next_run_at").GetDateTimeOffset(), nextRuns[0]);
        Assert.Equal("skip", schedule.GetProperty("misfire").GetString());
        Assert.Equal(3, schedule.GetProperty("job").GetProperty("policy").GetProperty("max_attempts").GetInt32());
        Assert.Contains((await app.Api.GetFromJsonAsync<JsonElement>("/schedules")).GetProperty("schedules").EnumerateArray(),
            s => s.GetProperty("name").GetString() == name);

        Assert.Equal(HttpStatusCode.NoContent, (await app.Api.DeleteAsync($"/schedules/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Api.GetAsync($"/schedules/{name}")).StatusCode);
    }

    [Fact]
    public async Task An_every_second_schedule_is_fired_by_the_workers_can_be_paused_and_resumed_and_run_once_on_demand()
    {
        var name = NewName();
        using (var put = await app.Api.PutAsJsonAsync($"/schedules/{name}", new { cron = "* * * * * *", job = new { type = "uppercase", payload = name } }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        try
        {
            // Fired by the workers: the last run's job ran, and was due on a whole second.
            var fired = await Eventually.WaitAsync(() => app.Api.GetFromJsonAsync<JsonElement>($"/schedules/{name}"),
                s => s.GetProperty("last_run") is { ValueKind: JsonValueKind.Object } last && last.GetProperty("status").GetString() == "done",
                Timeout, "a run of the schedule to be done");
            var lastRun = fired.GetProperty("last_run");
            var job = (await app.Client.GetAsync(lastRun.GetProperty("job_id").GetString()!))!;
            Assert.Equal(name.ToUpperInvariant(), job.Result?.GetString());
            Assert.Equal(0, lastRun.GetProperty("due_at").GetDateTimeOffset().Millisecond);

            var paused = await (await app.Api.PostAsync($"/schedules/{name}/pause", null)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(paused.GetProperty("paused").GetBoolean());
            Assert.Equal(JsonValueKind.Null, paused.GetProperty("next_run_at").ValueKind);
            var dueWhenPaused = (await app.Api.GetFromJsonAsync<JsonElement>($"/schedules/{name}")).GetProperty("last_run").GetProperty("due_at").GetDateTimeOffset();
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            var stillPaused = await app.Api.GetFromJsonAsync<JsonElement>($"/schedules/{name}");
            Assert.Equal(dueWhenPaused, stillPaused.GetProperty("last_run").GetProperty("due_at").GetDateTimeOffset());

            // Run once now, while paused.
            using var trigger = await app.Api.PostAsync($"/schedules/{name}/trigger", null);
            Assert.Equal(HttpStatusCode.Accepted, trigger.StatusCode);
            var triggered = (await trigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
            Assert.Equal("done", (await app.Client.WaitForCompletionAsync(triggered)).Status);

            var resumed = await (await app.Api.PostAsync($"/schedules/{name}/resume", null)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(resumed.GetProperty("paused").GetBoolean());
            await Eventually.WaitAsync(() => app.Api.GetFromJsonAsync<JsonElement>($"/schedules/{name}"),
                s => s.GetProperty("last_run").GetProperty("due_at").GetDateTimeOffset() > dueWhenPaused.AddSeconds(2),
                Timeout, "the schedule to fire again after it was resumed");
        }
        finally
        {
            await app.Api.DeleteAsync($"/schedules/{name}");
        }
    }

    [Fact]
    public async Task A_stored_schedule_that_cannot_fire_is_set_aside_and_reported_while_the_workers_keep_running()
    {
        // What a PUT of the old code stored: 100,000 listed minutes, which overflowed the stack of every worker that
        // parsed it (and of every worker restarted after), since it stayed in Redis.
        var name = NewName();
        var cron = string.Join(",", Enumerable.Repeat("0", 100_000)) + " * * * *";
        var workers = app.Resources.Of("worker").Select(r => r.Pid).ToList();
        var due = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds();
        await app.Db.HashSetAsync(app.Keys.Schedule(name), [
            new("cron", cron), new("time_zone", "UTC"), new("misfire", "catch_up"), new("type", "echo"), new("payload", "{}"),
            new("paused", 0), new("next_due", due), new("created_at", due), new("updated_at", due)]);
        await app.Db.SortedSetAddAsync(app.Keys.Schedules, name, due);
        try
        {
            await Eventually.WaitAsync(() => app.Db.SortedSetScoreAsync(app.Keys.Schedules, name), score => score == double.PositiveInfinity,
                Timeout, "a worker to set the schedule aside");

            var schedule = await app.Api.GetFromJsonAsync<JsonElement>($"/schedules/{name}");
            Assert.Contains($"at most {JobQueue.CronTimetable.MaxLength} characters", schedule.GetProperty("problem").GetString());
            Assert.Equal(JsonValueKind.Null, schedule.GetProperty("next_run_at").ValueKind);
            Assert.Contains((await app.Api.GetFromJsonAsync<JsonElement>("/schedules")).GetProperty("schedules").EnumerateArray(),
                s => s.GetProperty("name").GetString() == name && s.GetProperty("problem").GetString() is { Length: > 0 });
            using var resume = await app.Api.PostAsync($"/schedules/{name}/resume", null);
            Assert.Equal(HttpStatusCode.BadRequest, resume.StatusCode);

            // The workers are the ones that were running, and they still run jobs.
            var job = await app.SubmitAsync(new { type = "echo", payload = new { after = name } });
            Assert.Equal("done", (await app.WaitForTerminalAsync(job, Timeout)).GetProperty("status").GetString());
            Assert.Equal(workers, app.Resources.Of("worker").Select(r => r.Pid).ToList());

            // Written again with a timetable, it fires.
            using var put = await app.Api.PutAsJsonAsync($"/schedules/{name}", new { cron = "* * * * * *", job = new { type = "echo", payload = 1 } });
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            await Eventually.WaitAsync(() => app.Api.GetFromJsonAsync<JsonElement>($"/schedules/{name}"),
                s => s.GetProperty("problem").ValueKind == JsonValueKind.Null && s.GetProperty("last_run").ValueKind == JsonValueKind.Object,
                Timeout, "the schedule written again to fire");
        }
        finally
        {
            await app.Api.DeleteAsync($"/schedules/{name}");
        }
    }

    private static string NewName() => "test-" + Guid.NewGuid().ToString("N")[..8];
}
