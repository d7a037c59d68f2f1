using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Integration;

/// <summary>An operator's mistakes written straight into Redis: the workers dead-letter them and keep going.</summary>
[Collection(AppCollection.Name)]
public sealed class GarbageInRedisTests(AppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_stream_entry_without_a_job_is_dead_lettered_and_the_next_job_still_runs()
    {
        var marker = Guid.NewGuid().ToString("N");
        await app.Db.StreamAddAsync(app.Keys.Stream, [new NameValueEntry("hello", marker)]);
        var next = await app.SubmitAsync(new { payload = new { after = "garbage" } });

        Assert.Equal("done", (await app.WaitForTerminalAsync(next, Timeout)).GetProperty("status").GetString());
        var letter = await Eventually.WaitAsync(
            async () => (await DeadLettersAsync()).FirstOrDefault(l => l.GetProperty("error").GetString()!.Contains(marker)),
            l => l.ValueKind == JsonValueKind.Object, Timeout, "the garbage entry's dead letter");
        Assert.Contains("names no valid job_id", letter.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_job_hash_with_a_garbage_status_or_payload_is_failed_and_dead_lettered()
    {
        var badStatus = await InsertAsync("status", "banana", "payload", "1");
        var badPayload = await InsertAsync("status", "queued", "payload", "{not json");

        var statusJob = await app.WaitForTerminalAsync(badStatus, Timeout);
        var payloadJob = await app.WaitForTerminalAsync(badPayload, Timeout);

        Assert.Equal("failed", statusJob.GetProperty("status").GetString());
        Assert.Contains("unreadable job", statusJob.GetProperty("last_error").GetString());
        Assert.Equal("failed", payloadJob.GetProperty("status").GetString());
        Assert.Contains("payload is not valid JSON", payloadJob.GetProperty("last_error").GetString());
        var letters = await DeadLettersAsync();
        Assert.Contains(letters, l => l.GetProperty("job_id").GetString() == badStatus);
        Assert.Contains(letters, l => l.GetProperty("job_id").GetString() == badPayload);
    }

    /// <summary>A job hash with its stream entry, as an operator might write one by hand.</summary>
    private async Task<string> InsertAsync(params string[] fields)
    {
        var jobId = Guid.NewGuid().ToString("D");
        await app.Db.ScriptEvaluateAsync("""
            redis.call('HSET', KEYS[1], 'type', 'echo', 'attempts', 0, 'created_at', 0, unpack(ARGV, 2))
            redis.call('HSET', KEYS[1], 'entry_id', redis.call('XADD', KEYS[2], '*', 'job_id', ARGV[1]))
            """, [app.Keys.Job(jobId), app.Keys.Stream], [jobId, .. fields.Select(f => (RedisValue)f)]);
        return jobId;
    }

    private async Task<List<JsonElement>> DeadLettersAsync() =>
        [.. (await app.Api.GetFromJsonAsync<JsonElement>("/dead-letters?limit=100")).GetProperty("dead_letters").EnumerateArray()];
}
