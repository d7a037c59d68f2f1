using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace JobQueue.Tests.Infrastructure;

/// <summary>What the fault tests do to a <see cref="LedgerApp"/>'s workers, and how they read what became of its jobs.</summary>
public sealed class WorkerChaos(LedgerApp app)
{
    /// <summary>
    /// Until every job has ended (killing for 2 minutes at most): SIGKILLs a random worker but the last, waits a second,
    /// starts the killed ones again (as a supervisor would, without waiting for them); returns how many it killed.
    /// </summary>
    public async Task<int> KillAWorkerEverySecondUntilEveryJobEndsAsync(string[] ids)
    {
        var kills = 0;
        var clock = Stopwatch.StartNew();
        while (await UnfinishedAsync(ids) > 0 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            kills += KillRandomWorkerButTheLast() ? 1 : 0;

            await Task.Delay(1000);
            await app.Resources.StartEndedAsync(LedgerApp.Worker);
        }

        await Eventually.WaitAsync(() => UnfinishedAsync(ids), unfinished => unfinished == 0, TimeSpan.FromSeconds(60), "every job to end");
        return kills;
    }

    /// <summary>SIGKILLs one running worker at random, unless it is the last one running; true if it killed one.</summary>
    public bool KillRandomWorkerButTheLast()
    {
        // Running with its app process up: one just killed shows Running until DCP notices, without a process.
        var running = app.Resources.Of(LedgerApp.Worker).Where(w => w.State == KnownResourceStates.Running && w.Pid is not null).ToList();
        if (running.Count <= 1)
        {
            return false;
        }

        Signals.Send(running[Random.Shared.Next(running.Count)].Pid!.Value, Signals.Kill);
        return true;
    }

    public async Task<int> CountAsync(string[] ids, string status) =>
        (await Task.WhenAll(ids.Select(app.StatusAsync))).Count(s => s == status);

    public async Task<string> SubmitAsync(object body)
    {
        using var response = await app.Api.PostAsJsonAsync("/jobs", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
    }

    public async Task<int> UnfinishedAsync(string[] ids)
    {
        var statuses = await Task.WhenAll(ids.Select(app.StatusAsync));
        return statuses.Count(s => s != "done" && s != "failed");
    }

    public async Task<long> DoneTotalAsync() =>
        (await Task.WhenAll(app.Partitions.Select(keys => app.Db.HashGetAsync(keys.Stats, "done")))).Sum(done => (long?)done ?? 0);
}
