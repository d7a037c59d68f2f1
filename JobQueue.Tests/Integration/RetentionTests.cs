using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// A run of thousands of jobs leaves Redis as it found it: finished jobs expire, dead letters are trimmed,
/// the job index is cleaned. An app of its own, with retention cut to 3 s so the test sees it happen.
/// </summary>
[TakesAbout(35)]
public sealed class RetentionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private OwnApp _own = null!;


    public async Task InitializeAsync() => _own = await OwnApp.StartAsync(
        "--Queue:Retention=00:00:03", "--Queue:DeadLetterRetention=00:00:03", "--Worker:JanitorInterval=00:00:01", "--Worker:Replicas=2");

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task Redis_memory_and_keys_return_to_where_they_were_after_thousands_of_jobs()
    {
        await RunJobsAsync(200);
        var (keysBefore, memoryBefore) = await SettledAsync(baselineKeys: null);

        await RunJobsAsync(3000);
        var (keysAfter, memoryAfter) = await SettledAsync(keysBefore);

        TestReport.Add($"Retention: 3,000 jobs, Redis keys {keysBefore} -> {keysAfter}, used_memory {memoryBefore / 1024} -> {memoryAfter / 1024} KiB");
        output.WriteLine($"keys {keysBefore} -> {keysAfter}; used_memory {memoryBefore / 1024} KiB -> {memoryAfter / 1024} KiB after 3,000 jobs");
        Assert.Equal(keysBefore, keysAfter);
        Assert.InRange(memoryAfter - memoryBefore, long.MinValue, 512 * 1024);
    }

    /// <summary>Submits jobs (one in ten fails, to make dead letters) and waits until all have ended.</summary>
    private async Task RunJobsAsync(int count)
    {
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            using var response = await _own.Api.PostAsJsonAsync("/jobs", new { type = i % 10 == 0 ? "fail" : "echo", payload = new { i, text = new string('x', 200) } });
            response.EnsureSuccessStatusCode();
        });
        await Eventually.WaitAsync(async () => (await _own.Api.GetFromJsonAsync<JsonElement>("/queue")).GetProperty("stream_length").GetInt64(),
            length => length == 0, TimeSpan.FromSeconds(120), "every job to end");
    }

    /// <summary>Waits for retention and the janitor to clear finished jobs, then reads the key count and used memory.</summary>
    private async Task<(long Keys, long Memory)> SettledAsync(long? baselineKeys)
    {
        var server = _own.Redis.GetServer(_own.Redis.GetEndPoints()[0]);
        var db = _own.Redis.GetDatabase();
        var keys = await Eventually.WaitAsync(async () =>
            {
                var index = await db.SortedSetLengthAsync("{jobs}:jobs");
                var dead = await db.StreamLengthAsync("{jobs}:dead");
                return index == 0 && dead == 0 ? await server.DatabaseSizeAsync() : -1;
            },
            size => size >= 0 && (baselineKeys is null || size == baselineKeys), TimeSpan.FromSeconds(60), "finished jobs to expire");
        var info = (await server.InfoAsync("memory")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return (keys, long.Parse(info["used_memory"]));
    }
}
