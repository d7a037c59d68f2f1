using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// Workers SIGKILLed at random while thousands of jobs run: none is lost, none runs more than twice, none is
/// recorded done twice. The handlers keep a ledger of every run, apart from the queue's own records.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ChaosTests(AppFixture app, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Jobs = 2000;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => app.RestoreWorkersAsync();

    [Fact]
    public async Task Killing_a_random_worker_every_second_loses_no_job_and_runs_none_more_than_twice()
    {
        var ledger = "chaos-" + Guid.NewGuid().ToString("N");
        var totalsBefore = await DoneTotalAsync();
        var clock = Stopwatch.StartNew();
        var ids = new string[Jobs];
        await Parallel.ForAsync(0, Jobs, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            ids[i] = await app.SubmitAsync(new { type = "sleep", payload = new { ms = Random.Shared.Next(5, 150), ledger } }));

        var kills = 0;
        while (await UnfinishedAsync(ids) > 0 && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            var running = app.App.ResourceNotifications.GetReplicas("worker").Where(w => w.State == KnownResourceStates.Running).ToList();
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
        var jobs = await Task.WhenAll(ids.Select(id => app.WaitForTerminalAsync(id, TimeSpan.FromSeconds(60))));
        var runs = (await app.Db.HashGetAllAsync($"ledger:{ledger}")).ToDictionary(e => e.Name.ToString(), e => (int)e.Value);
        var done = jobs.Count(j => j.GetProperty("status").GetString() == "done");
        var failed = jobs.Count(j => j.GetProperty("status").GetString() == "failed");
        var maxAttempts = jobs.Max(j => j.GetProperty("attempts").GetInt32());
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

    private async Task<int> UnfinishedAsync(string[] ids)
    {
        var statuses = await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), "status")));
        return statuses.Count(s => s != "done" && s != "failed");
    }

    private async Task<long> DoneTotalAsync() => (long?)await app.Db.HashGetAsync(app.Keys.Totals, "done") ?? 0;
}
