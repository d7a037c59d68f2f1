using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The WebSocket fleet under load: many devices of many owners on both API replicas at once (an app apart from the
/// shared one, so the load leaves its consoles and telemetry alone).
/// </summary>
[Collection(TwoApiReplicasCollection.Name)]
public sealed class FeedLoadTests(TwoApiReplicasApp shared) : IAsyncLifetime
{
    private const int Owners = 100;
    private const int DevicesPerOwner = 10;
    private const int JobsPerOwner = 20;
    private readonly OwnApp _own = shared.Own;

    public Task InitializeAsync() => shared.RestoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_thousand_devices_across_two_api_replicas_each_get_exactly_their_owners_final_states_and_nothing_of_anyone_else()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var owners = Enumerable.Range(0, Owners).Select(i => $"load-{run}-{i}").ToList();
        var rssBefore = ApiMemory();
        var devices = new List<(string Owner, FeedDevice Device)>();
        var client = new JobQueue.Client.JobQueueClient(_own.Api);
        try
        {
            // Connect in waves, half the devices of each owner on each replica.
            foreach (var wave in owners.SelectMany(o => Enumerable.Range(0, DevicesPerOwner).Select(d => (Owner: o, Replica: d % 2))).Chunk(50))
            {
                var tokens = await Task.WhenAll(wave.Select(w => client.IssueFeedTokenAsync(w.Owner)));
                var connected = await Task.WhenAll(wave.Select((w, i) => FeedDevice.ConnectAsync(ApiReplica(w.Replica), w.Owner, tokens[i].Token)));
                devices.AddRange(connected.Select((d, i) => (wave[i].Owner, d)));
            }

            var options = Options.Create(new QueueOptions());
            var store = new JobStore(_own.Redis, new QueueDirectory(_own.Redis, options), options);
            var jobsOf = new Dictionary<string, List<string>>();
            foreach (var owner in owners)
            {
                var batch = Enumerable.Range(0, JobsPerOwner).Select(n => new NewJob("echo", $$"""{"n":{{n}}}""", Owner: owner)).ToList();
                jobsOf[owner] = [.. (await store.EnqueueManyAsync(batch)).Select(r => r.Job.Id)];
            }

            await Task.WhenAll(devices.Select(d => d.Device.WaitForFinalAsync(jobsOf[d.Owner], TimeSpan.FromSeconds(90))));

            var delivered = devices.Sum(d => d.Device.Received.Count);
            var lost = devices.Sum(d => jobsOf[d.Owner].Count(id => !d.Device.Latest.TryGetValue(id, out var u) || u.Status != "done"));
            var leaked = devices.Sum(d => d.Device.Received.Count(u => !jobsOf[d.Owner].Contains(u.JobId)));
            var rssAfter = ApiMemory();
            TestReport.Add($"Feed load: {devices.Count} WebSocket devices of {Owners} owners on 2 API replicas, {Owners * JobsPerOwner} jobs: "
                + $"{delivered} events delivered, lost {lost}, leaked {leaked}; API memory (RSS, both replicas) {rssBefore / 1024 / 1024} MiB before, {rssAfter / 1024 / 1024} MiB after");
            Assert.Equal(0, lost);
            Assert.Equal(0, leaked);
        }
        finally
        {
            await Task.WhenAll(devices.Select(d => d.Device.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Resident memory of both API replicas, in bytes.</summary>
    private Uri ApiReplica(int index) => _own.Resources.Get("api", index).Url!;

    private long ApiMemory() => Enumerable.Range(0, 2).Sum(i =>
        _own.Resources.Get("api", i).Pid is { } pid
            ? System.Diagnostics.Process.GetProcessById(pid).WorkingSet64
            : 0);
}
