using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// Redis itself dies (SIGKILL) in the middle of a burst of submissions and comes back on the same data
/// directory. With <c>appendfsync always</c>, every job that was answered 202 is still there and finishes,
/// and the workers carry on without a restart.
/// </summary>
[TakesAbout(25)]
public sealed class RedisCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private OwnApp _own = null!;

    public async Task InitializeAsync() => _own = await OwnApp.StartAsync("--Redis:AppendFsync=always", "--Worker:Replicas=2");

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task Every_accepted_job_survives_redis_being_killed_and_restarted()
    {
        var notifications = _own.App.ResourceNotifications;
        var workers = _own.Resources.Of("worker").Select(w => w.Pid).ToList();
        var accepted = new ConcurrentBag<string>();
        var refused = 0;
        using var submitting = new CancellationTokenSource();
        var burst = Task.Run(async () =>
        {
            while (!submitting.IsCancellationRequested)
            {
                try
                {
                    using var response = await _own.Api.PostAsJsonAsync("/jobs", new { type = "sleep", payload = new { ms = 20 } });
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
                    }
                    else
                    {
                        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                        Interlocked.Increment(ref refused);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });

        await Task.Delay(1500);
        var beforeKill = accepted.Count;
        Signals.Send(_own.Resources.Get("redis", 0).Pid!.Value, Signals.Kill);
        await Task.Delay(1500);
        await _own.Resources.StartAsync(_own.Resources.Get("redis", 0).Id);
        using (var restart = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await notifications.WaitForResourceHealthyAsync("redis", restart.Token);
        }

        // The API reconnects by itself: submissions are accepted again (how soon depends on the machine's load).
        var atRestart = accepted.Count;
        await Eventually.WaitAsync(() => Task.FromResult(accepted.Count), n => n > atRestart + 10, TimeSpan.FromSeconds(30),
            "submissions to be accepted again after the restart");
        await submitting.CancelAsync();
        await burst;

        var db = _own.Redis.GetDatabase();
        foreach (var id in accepted)
        {
            var status = await Eventually.WaitAsync(async () => (string?)await db.HashGetAsync("{jobs}:job:" + id, "status"),
                s => s is "done", TimeSpan.FromSeconds(60), $"accepted job {id} to finish");
            Assert.Equal("done", status);
        }

        TestReport.Add($"Redis SIGKILLed and restarted (appendfsync always): {accepted.Count} jobs answered 202, all done, 0 lost; {refused} submissions refused while it was down");
        output.WriteLine($"redis crash: {accepted.Count} jobs accepted ({beforeKill} before the kill), {refused} refused while Redis was down, all accepted jobs done");
        Assert.True(refused > 0, "no submission met the outage");
        Assert.True(accepted.Count > beforeKill, "no submission was accepted after the restart");
        Assert.Equal(workers, _own.Resources.Of("worker").Select(w => w.Pid));
    }
}
