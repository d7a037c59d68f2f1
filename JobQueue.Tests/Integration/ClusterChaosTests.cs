using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The worker chaos test on a local 3-master Redis Cluster, its queue spread over 3 partitions: a random worker SIGKILLed
/// every second while jobs run; none is lost, none runs more than twice, none is recorded done twice.
/// </summary>
[TakesAbout(45)]
public sealed class ClusterChaosTests : IAsyncLifetime
{
    private const int Jobs = 1000;
    private LedgerApp app = null!;

    public async Task InitializeAsync() => app = await LedgerApp.StartAsync(lease: TimeSpan.FromSeconds(2), cluster: true, partitions: 3);

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task Killing_a_random_worker_every_second_on_a_cluster_loses_no_job_and_runs_none_more_than_twice()
    {
        var chaos = new WorkerChaos(app);
        var ledger = "cluster-chaos-" + Guid.NewGuid().ToString("N");
        var ids = new string[Jobs];
        await Parallel.ForAsync(0, Jobs, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            ids[i] = await chaos.SubmitAsync(new { type = "ledger-sleep", payload = new { ms = Random.Shared.Next(10, 300), ledger } }));

        var kills = await chaos.KillAWorkerEverySecondUntilEveryJobEndsAsync(ids);

        var statuses = await Task.WhenAll(ids.Select(app.StatusAsync));
        var (done, failed) = (statuses.Count(s => s == "done"), statuses.Count(s => s == "failed"));
        var runs = await app.LedgerAsync(ledger);
        var doneRecorded = await chaos.DoneTotalAsync();
        TestReport.Add($"Worker chaos on a 3-master Redis Cluster, the queue in 3 partitions: {Jobs} jobs, {done} done, {failed} failed, {Jobs - done - failed} lost, " +
            $"{doneRecorded - done} duplicate successes, max handler runs {runs.Values.Max()}, {kills} workers killed");
        Assert.Equal(Jobs, done + failed);
        Assert.Equal(done, doneRecorded);
        Assert.All(ids, id => Assert.InRange(runs.GetValueOrDefault(id), 1, 2));
        Assert.True(kills >= 2, $"only {kills} kills happened; the run was too short to prove anything");
        Assert.All(await Task.WhenAll(app.Partitions.Select(keys => app.Db.HashGetAsync(keys.Stats, "done"))), d => Assert.True((long)d > 0));
    }
}
