using System.Diagnostics;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>
/// The queues' housekeeping shared by every process that opts in, against a real redis-server: one process at a time
/// does it, however many run it, and another takes over when that one stops. Each test is a deployment of its own (its
/// own default queue, so its own registry and lease).
/// </summary>
public sealed class QueueHousekeepingTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    // A lease of 5 s: a test's rounds keep it however slow a loaded machine makes them.
    private readonly QueueOptions _options = new() { Name = "hk-" + Guid.NewGuid().ToString("N")[..10], HousekeepingInterval = TimeSpan.FromSeconds(1) };

    private IDatabase Db => server.Redis.GetDatabase();

    private QueueDirectory Directory() => new(server.Redis, Microsoft.Extensions.Options.Options.Create(_options));

    private QueueHousekeeping Process() => new(server.Redis, Directory(), _options);

    private async Task<IReadOnlyList<string>> ScheduleAsync(int jobs, DateTimeOffset at)
    {
        var options = Microsoft.Extensions.Options.Options.Create(_options);
        var store = new JobStore(server.Redis, new QueueDirectory(server.Redis, options), options);
        var ids = new List<string>();
        for (var i = 0; i < jobs; i++)
        {
            ids.Add((await store.EnqueueAsync(new NewJob("echo", "{}", RunAt: at))).Job.Id);
        }

        return ids;
    }

    [Fact]
    public async Task Of_three_processes_one_does_every_round_and_each_due_job_moves_once()
    {
        var keys = Directory().Default;
        var ids = await ScheduleAsync(3, DateTimeOffset.UtcNow.AddMilliseconds(300));
        foreach (var id in ids)
        {
            Assert.Equal("scheduled", (string?)await Db.HashGetAsync(keys.Job(id), "status"));
        }
        QueueHousekeeping[] processes = [Process(), Process(), Process()];

        var holders = new List<int>();
        for (var round = 0; round < 10; round++)
        {
            var held = await Task.WhenAll(processes.Select(p => p.RunOnceAsync()));
            holders.Add(Assert.Single(Enumerable.Range(0, 3), i => held[i].Held));
            await Task.Delay(50);
        }

        Assert.Single(holders.Distinct()); // the first to ask keeps it while it renews
        Assert.Equal(3, await Db.StreamLengthAsync(keys.Stream));
        Assert.Equal(0, await Db.SortedSetLengthAsync(keys.Scheduled));
        foreach (var id in ids)
        {
            Assert.Equal("queued", (string?)await Db.HashGetAsync(keys.Job(id), "status"));
        }
    }

    [Fact]
    public async Task When_the_holder_stops_another_process_takes_over_once_the_lease_lapses_and_moves_what_came_due()
    {
        _options.HousekeepingInterval = TimeSpan.FromMilliseconds(100); // a lease of 500 ms, to wait out
        var keys = Directory().Default;
        var (holder, other) = (Process(), Process());
        Assert.True((await holder.RunOnceAsync()).Held);
        var stopped = Stopwatch.StartNew(); // the holder's last round
        var ids = await ScheduleAsync(2, DateTimeOffset.UtcNow.AddMilliseconds(200)); // due after the holder stopped
        foreach (var id in ids)
        {
            Assert.Equal("scheduled", (string?)await Db.HashGetAsync(keys.Job(id), "status"));
        }

        while (!(await other.RunOnceAsync()).Held)
        {
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5), "the other process never took the lease over");
            await Task.Delay(20);
        }

        var tookOver = stopped.Elapsed;
        Assert.False((await holder.RunOnceAsync()).Held); // back, it finds the lease taken

        var lease = _options.HousekeepingInterval * QueueHousekeeping.LeaseRounds;
        TestReport.Add($"Housekeeping: its holder stopped, another process took over after {tookOver.TotalMilliseconds:F0} ms (lease {lease.TotalMilliseconds} ms)");
        Assert.InRange(tookOver, lease - TimeSpan.FromMilliseconds(50), lease + TimeSpan.FromSeconds(2));
        foreach (var id in ids)
        {
            Assert.Equal("queued", (string?)await Db.HashGetAsync(keys.Job(id), "status"));
        }
    }

    [Fact]
    public async Task An_idle_deployment_runs_no_queue_script_and_the_processes_that_do_not_hold_the_lease_one_command_a_round()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var redis = admin.GetServers()[0];
        async Task<Dictionary<string, long>> CallsAsync() => (await redis.InfoAsync("commandstats")).SelectMany(g => g)
            .ToDictionary(kv => kv.Key["cmdstat_".Length..], kv => long.Parse(kv.Value.Split(',')[0]["calls=".Length..]));
        await ScheduleAsync(1, DateTimeOffset.UtcNow.AddHours(1)); // a schedule, nothing due
        QueueHousekeeping[] processes = [Process(), Process(), Process()];

        var before = await CallsAsync();
        for (var round = 0; round < 10; round++)
        {
            foreach (var process in processes)
            {
                await process.RunOnceAsync();
            }
        }

        var after = await CallsAsync();
        long Ran(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
        TestReport.Add($"Housekeeping, 3 processes idle for 10 rounds: {Ran("evalsha")} script calls, {Ran("set")} SET, " +
            $"{Ran("zrangebyscore")} promotions, {Ran("hget")} releases");
        Assert.Equal(0, Ran("zrangebyscore")); // promote.lua's first command: never run
        Assert.Equal(0, Ran("hget")); // release.lua's
        Assert.Equal(9, Ran("evalsha")); // the holder extending its lease, from its second round on
        Assert.Equal(3 + 2 * 9, Ran("set")); // a take by each in the first round, then the two others asking
    }

    [Fact]
    public async Task Every_registered_queue_and_partition_is_kept_not_only_the_default()
    {
        var directory = Directory();
        await directory.RegisterAsync("emails-" + _options.Name, partitions: 2);
        var options = Microsoft.Extensions.Options.Options.Create(_options);
        var store = new JobStore(server.Redis, directory, options);
        var job = (await store.EnqueueAsync(new NewJob("echo", "{}", RunAt: DateTimeOffset.UtcNow.AddMilliseconds(100), Queue: "emails-" + _options.Name))).Job;
        Assert.Equal(JobStatus.Scheduled, job.Status);
        await Task.Delay(150);

        var (held, promoted, _) = await Process().RunOnceAsync();

        Assert.True(held);
        Assert.Equal(1, promoted);
        Assert.Equal(JobStatus.Queued, (await store.GetAsync(job.Id))!.Status);
    }
}
