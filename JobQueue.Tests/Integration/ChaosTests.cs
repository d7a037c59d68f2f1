using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// Workers SIGKILLed at random while thousands of jobs run: none is lost, none runs more than twice, none is
/// recorded done twice. The test worker's handler keeps a ledger of every run, apart from the queue's own records.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Jobs = 2000;
    private LedgerApp app = null!;

    public async Task InitializeAsync() => app = await LedgerApp.StartAsync(processingTimeout: TimeSpan.FromSeconds(2));

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task Killing_a_random_worker_every_second_loses_no_job_and_runs_none_more_than_twice()
    {
        var ledger = "chaos-" + Guid.NewGuid().ToString("N");
        var totalsBefore = await DoneTotalAsync();
        var clock = Stopwatch.StartNew();
        var ids = new string[Jobs];
        await Parallel.ForAsync(0, Jobs, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            ids[i] = await SubmitAsync(new { type = "ledger-sleep", payload = new { ms = Random.Shared.Next(5, 150), ledger } }));

        var kills = 0;
        while (await UnfinishedAsync(ids) > 0 && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            var running = app.App.ResourceNotifications.GetReplicas(LedgerApp.Worker).Where(w => w.State == KnownResourceStates.Running).ToList();
            if (running.Count > 1)
            {
                Signals.Send(running[Random.Shared.Next(running.Count)].Pid!.Value, Signals.Kill);
                kills++;
            }

            await Task.Delay(1000);
            // Every other round killed workers come back (as a supervisor would bring them); in between they stay down.
            if (kills % 2 == 0)
            {
                await app.RestoreWorkersAsync();
            }
        }

        await app.RestoreWorkersAsync();
        await Eventually.WaitAsync(() => UnfinishedAsync(ids), unfinished => unfinished == 0, TimeSpan.FromSeconds(60), "every job to end");
        var jobs = await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), ["status", "attempts"])));
        var runs = await app.LedgerAsync(ledger);
        var done = jobs.Count(j => j[0] == "done");
        var failed = jobs.Count(j => j[0] == "failed");
        var maxAttempts = jobs.Max(j => (int)j[1]);
        var maxRuns = runs.Values.DefaultIfEmpty(0).Max();
        var doneRecorded = await DoneTotalAsync() - totalsBefore;

        TestReport.Add($"Worker chaos: {Jobs} jobs submitted, {done} completed, {failed} failed, {Jobs - done - failed} lost, " +
            $"{doneRecorded - done} duplicate successes, max attempts {maxAttempts}, max handler runs {maxRuns}, {kills} workers killed");
        output.WriteLine($"chaos: {Jobs} submitted, {done} done, {failed} failed, 0 lost, {kills} workers killed, " +
            $"max attempts {maxAttempts}, max handler runs {maxRuns}, jobs run twice {runs.Values.Count(r => r == 2)}, " +
            $"'done' recorded {doneRecorded} times for {done} done jobs, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(Jobs, done + failed);
        Assert.InRange(maxAttempts, 1, 2);
        Assert.InRange(maxRuns, 1, 2);
        Assert.All(ids, id => Assert.True(runs.GetValueOrDefault(id) <= 2));
        Assert.Equal(done, doneRecorded);
        Assert.True(kills >= 3, $"only {kills} kills happened; the run was too short to prove anything");
    }

    private async Task<string> SubmitAsync(object body)
    {
        using var response = await app.Api.PostAsJsonAsync("/jobs", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
    }

    private async Task<int> UnfinishedAsync(string[] ids)
    {
        var statuses = await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), "status")));
        return statuses.Count(s => s != "done" && s != "failed");
    }

    private async Task<long> DoneTotalAsync() => (long?)await app.Db.HashGetAsync(app.Keys.Stats, "done") ?? 0;
}
