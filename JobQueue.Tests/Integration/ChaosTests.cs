using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// Workers SIGKILLed at random while thousands of jobs run: none is lost, none runs more than twice, none is
/// recorded done twice. The test worker's handler keeps a ledger of every run, apart from the queue's own records. The
/// tests share one app (<see cref="SharedLedgerApp"/>): each starts with every worker running and the queue unlimited,
/// and counts only its own jobs.
/// </summary>
[Collection(SharedLedgerAppCollection.Name)]
public sealed class ChaosTests(SharedLedgerApp shared, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Jobs = 2000;
    private readonly LedgerApp app = shared.App;
    private long _doneBefore;

    public async Task InitializeAsync()
    {
        await shared.ResetAsync();
        _doneBefore = await Chaos.DoneTotalAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The successes the queue recorded since this test began (its jobs are the only ones).</summary>
    private async Task<long> DoneRecordedAsync() => await Chaos.DoneTotalAsync() - _doneBefore;

    [Fact]
    public async Task Killing_a_random_worker_every_second_loses_no_job_and_runs_none_more_than_twice()
    {
        var ledger = "chaos-" + Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();
        var ids = new string[Jobs];
        await Parallel.ForAsync(0, Jobs, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            ids[i] = await Chaos.SubmitAsync(new { type = "ledger-sleep", payload = new { ms = Random.Shared.Next(10, 300), ledger } }));

        var kills = 0;
        while (await Chaos.UnfinishedAsync(ids) > 0 && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            kills += Chaos.KillRandomWorkerButTheLast() ? 1 : 0;

            await Task.Delay(1000);
            // Every other round killed workers come back (as a supervisor would bring them); in between they stay down.
            if (kills % 2 == 0)
            {
                await app.Resources.StartEndedAsync(LedgerApp.Worker);
            }
        }

        await app.RestoreWorkersAsync();
        await Eventually.WaitAsync(() => Chaos.UnfinishedAsync(ids), unfinished => unfinished == 0, TimeSpan.FromSeconds(60), "every job to end");
        var jobs = await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), ["status", "attempts"])));
        var runs = await app.LedgerAsync(ledger);
        var done = jobs.Count(j => j[0] == "done");
        var failed = jobs.Count(j => j[0] == "failed");
        var maxAttempts = jobs.Max(j => (int)j[1]);
        var maxRuns = runs.Values.DefaultIfEmpty(0).Max();
        var doneRecorded = await DoneRecordedAsync();

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

    [Fact]
    public async Task Killing_every_worker_while_jobs_wait_out_their_back_off_loses_none_and_runs_none_past_its_attempts()
    {
        const int Backing = 200;
        var ledger = "backoff-" + Guid.NewGuid().ToString("N");
        var ids = new string[Backing];
        await Parallel.ForAsync(0, Backing, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            ids[i] = await Chaos.SubmitAsync(new
            {
                type = "ledger-sleep", payload = new { ms = 5, ledger, failRuns = 1 },
                max_attempts = 2, backoff = new { type = "fixed", delay_ms = 3000 },
            }));
        await Eventually.WaitAsync(() => Chaos.CountAsync(ids, "scheduled"), n => n == Backing, TimeSpan.FromSeconds(30),
            "every job to fail once and back off");

        foreach (var worker in app.Resources.Of(LedgerApp.Worker))
        {
            Signals.Send(worker.Pid!.Value, Signals.Kill);
        }

        // Every back-off ends while no worker is alive: the API moves each due job into the stream (where a scaler sees
        // it), and none runs.
        await Eventually.WaitAsync(() => Chaos.CountAsync(ids, "queued"), n => n == Backing, TimeSpan.FromSeconds(10),
            "every job queued by the API once its back-off ended");
        var beforeRestart = await app.LedgerAsync(ledger);
        Assert.Equal(Backing, beforeRestart.Count);
        Assert.All(beforeRestart.Values, n => Assert.Equal(1, n));
        await app.RestoreWorkersAsync();

        await Eventually.WaitAsync(() => Chaos.CountAsync(ids, "done"), n => n == Backing, TimeSpan.FromSeconds(60), "every job to be done");
        var runs = await app.LedgerAsync(ledger);
        var attempts = await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), "attempts")));
        TestReport.Add($"Workers all SIGKILLed during back-off: {Backing} jobs backing off, queued by the API when due, {Backing} done after a restart, 0 lost, " +
            $"max handler runs {runs.Values.Max()}");
        Assert.All(ids, id => Assert.Equal(2, runs.GetValueOrDefault(id)));
        Assert.All(attempts, a => Assert.Equal(2, (int)a));
    }

    [Fact]
    public async Task Killing_workers_while_a_limited_queue_and_its_group_limit_hold_jobs_back_loses_none_and_records_none_done_twice()
    {
        const int Limited = 200;
        var ledger = "limited-" + Guid.NewGuid().ToString("N");
        using (var limits = await app.Api.PutAsJsonAsync("/queues/jobs/limits", new { concurrency = 3, rate = new { max = 40, period_ms = 1000 }, group_concurrency = 1 }))
        {
            limits.EnsureSuccessStatusCode();
        }

        var ids = new string[Limited];
        await Parallel.ForAsync(0, Limited, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            ids[i] = await Chaos.SubmitAsync(new { type = "ledger-sleep", payload = new { ms = Random.Shared.Next(20, 120), ledger }, group = $"tenant-{i % 5}" }));

        var kills = await Chaos.KillAWorkerEverySecondUntilEveryJobEndsAsync(ids);
        var jobs = await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), ["status", "last_error"])));
        var statuses = jobs.Select(j => j[0]).ToArray();
        var runs = await app.LedgerAsync(ledger);
        var done = statuses.Count(s => s == "done");
        var starts = (await app.Db.SortedSetRangeByScoreWithScoresAsync(LedgerApp.LedgerKey(ledger) + ":starts")).Select(e => (long)e.Score).ToList();
        var busiestSecond = starts.Max(start => starts.Count(s => s >= start && s < start + 1000));
        TestReport.Add($"Worker chaos under limits (concurrency 3, 40 starts/s, 1 per group of 5): {Limited} jobs, {done} done, " +
            $"{Limited - done - statuses.Count(s => s == "failed")} lost, {await DoneRecordedAsync() - done} duplicate successes, " +
            $"max handler runs {runs.Values.Max()}, most starts in any second {busiestSecond}, {kills} workers killed");
        Assert.Equal(Limited, done + statuses.Count(s => s == "failed"));
        Assert.Equal(done, await DoneRecordedAsync());
        // A done job ran once or twice. A failed one used up both attempts on kills, which may land between a claim and
        // its handler's start: it ran at most twice, perhaps never, and says it gave up.
        Assert.All(Enumerable.Range(0, Limited), i =>
        {
            Assert.InRange(runs.GetValueOrDefault(ids[i]), statuses[i] == "done" ? 1 : 0, 2);
            Assert.True(statuses[i] == "done" || jobs[i][1].ToString().StartsWith("gave up after", StringComparison.Ordinal),
                $"job {ids[i]}: {statuses[i]}, error '{jobs[i][1]}', {runs.GetValueOrDefault(ids[i])} run(s)");
        });
        Assert.InRange(busiestSecond, 1, 80); // a fixed window admits at most twice its rate into any one second
        Assert.True(kills >= 2, $"only {kills} kills happened; the run was too short to prove anything");
    }

    [Fact]
    public async Task Killing_workers_while_flows_run_loses_no_job_starts_no_parent_before_its_last_child_ends_and_records_none_done_twice()
    {
        const int Flows = 25, Children = 20;
        var ledger = "flows-" + Guid.NewGuid().ToString("N");
        var flows = new List<string[]>(); // each: its children's ids, then its parent's
        for (var f = 0; f < Flows; f++)
        {
            var children = Enumerable.Range(0, Children).Select(i => (object)new { @ref = $"c{i}", type = "ledger-sleep", payload = new { ms = Random.Shared.Next(100, 400), ledger } });
            var parent = new { type = "ledger-sleep", payload = new { ms = 10, ledger }, depends_on = Enumerable.Range(0, Children).Select(i => $"c{i}").ToArray() };
            using var response = await app.Api.PostAsJsonAsync("/workflows", new { jobs = children.Append(parent) });
            response.EnsureSuccessStatusCode();
            flows.Add([.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetString()!)]);
        }

        var ids = flows.SelectMany(f => f).ToArray();
        var kills = await Chaos.KillAWorkerEverySecondUntilEveryJobEndsAsync(ids);
        var jobs = await Task.WhenAll(ids.Select(id => app.Db.HashGetAsync(app.Keys.Job(id), ["status", "settled_by", "last_error"])));
        var finished = (await Task.WhenAll(ids.Select(id => app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{id}"))))
            .Select(j => j.GetProperty("finished_at") is { ValueKind: JsonValueKind.String } at ? at.GetDateTimeOffset().ToUnixTimeMilliseconds() : 0).ToArray();
        Assert.All(Enumerable.Range(0, ids.Length).Where(i => jobs[i][0] == "done"), i => Assert.True(finished[i] > 0, $"job {ids[i]} is done, but not when"));
        var runs = await app.LedgerAsync(ledger);
        var firstStart = (await app.Db.SortedSetRangeByScoreWithScoresAsync(LedgerApp.LedgerKey(ledger) + ":starts"))
            .GroupBy(e => e.Element.ToString().Split(':')[0]).ToDictionary(g => g.Key, g => (long)g.Min(e => e.Score));
        var (early, wrong) = (0, new List<string>());
        for (var f = 0; f < Flows; f++)
        {
            // A child may fail for good (killed on both its attempts): its parent then fails, naming it, and never runs.
            // With every child done, the parent runs; killed on both of its own attempts, it fails too, by itself.
            var children = jobs.Skip(f * (Children + 1)).Take(Children).ToList();
            var (parentId, parent) = (flows[f][Children], jobs[f * (Children + 1) + Children]);
            var failedChildren = Enumerable.Range(0, Children).Where(c => children[c][0] == "failed").Select(c => flows[f][c]).ToList();
            // Its attempts used up by kills (a kill may also land between its claim and its start): the claim's words.
            var ranOut = parent[0] == "failed" && parent[1].IsNull && parent[2].ToString().StartsWith("gave up after", StringComparison.Ordinal);
            var right = failedChildren.Count == 0
                ? parent[0] == "done" || ranOut
                : parent[0] == "failed" && failedChildren.Contains(parent[1].ToString()) && !firstStart.ContainsKey(parentId);
            if (!right)
            {
                wrong.Add($"parent {parentId}: {parent[0]}, settled by '{parent[1]}', {runs.GetValueOrDefault(parentId)} run(s), error '{parent[2]}'; {failedChildren.Count} child(ren) failed");
            }

            var lastChildEnd = finished.Skip(f * (Children + 1)).Take(Children).Max();
            early += firstStart.TryGetValue(parentId, out var started) && started < lastChildEnd ? 1 : 0;
        }

        var done = jobs.Count(j => j[0] == "done");
        var failed = jobs.Count(j => j[0] == "failed");
        TestReport.Add($"Worker chaos under flows ({Flows} parents of {Children} children each): {ids.Length} jobs, {done} done, {failed} failed " +
            $"(a job killed on both attempts fails, and a failed child fails its parent), {ids.Length - done - failed} lost, {await DoneRecordedAsync() - done} duplicate successes, " +
            $"{early} parents started before their last child ended, {wrong.Count} parents in the wrong state, max handler runs {runs.Values.Max()}, {kills} workers killed");
        Assert.Equal(ids.Length, done + failed);
        Assert.Equal(done, await DoneRecordedAsync());
        Assert.Equal(0, early);
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.All(ids, id => Assert.InRange(runs.GetValueOrDefault(id), 0, 2));
        Assert.True(kills >= 2, $"only {kills} kills happened; the run was too short to prove anything");
    }

    private WorkerChaos Chaos => new(app);
}
