using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Hosting.Orchestration;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>The AppHost run as users run it, as its own process: stopping it, or killing it, leaves nothing behind.</summary>
public sealed class AppHostProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-apphost-" + Guid.NewGuid().ToString("N"));
    private readonly int _apiPort = PortAllocator.FreePort();

    [Fact]
    public async Task Sigterm_stops_every_process_the_apphost_started_and_it_exits_cleanly()
    {
        using var appHost = new AppHostProcess(_dataDirectory, _apiPort);
        var children = await appHost.ChildrenOnceServingAsync();

        var exitCode = await appHost.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain(children, AppHostProcess.IsRunning);
    }

    [Fact]
    public async Task Sigkill_of_the_apphost_takes_every_process_it_started_down_with_it()
    {
        using var appHost = new AppHostProcess(_dataDirectory, _apiPort);
        var children = await appHost.ChildrenOnceServingAsync();

        appHost.Kill();

        await Eventually.WaitAsync(() => Task.FromResult(children.Where(AppHostProcess.IsRunning).ToList()),
            running => running.Count == 0, TimeSpan.FromSeconds(10), "the AppHost's children to die");
    }

    [Fact]
    public async Task Jobs_queued_before_a_restart_of_everything_are_processed_after_it()
    {
        var ids = new List<string>();
        using (var appHost = new AppHostProcess(_dataDirectory, _apiPort))
        {
            await appHost.ChildrenOnceServingAsync();
            using var http = appHost.CreateApiClient();
            for (var i = 0; i < 20; i++)
            {
                // Slow enough that most are still queued or running when everything stops.
                using var response = await http.PostAsJsonAsync("/jobs", new { type = "sleep", payload = new { ms = 500 } });
                ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
            }

            Assert.Equal(0, await appHost.StopAsync());
        }

        using (var restarted = new AppHostProcess(_dataDirectory, _apiPort))
        {
            await restarted.ChildrenOnceServingAsync();
            using var http = restarted.CreateApiClient();
            foreach (var id in ids)
            {
                var job = await Eventually.WaitAsync(() => http.GetFromJsonAsync<JsonElement>($"/jobs/{id}"),
                    j => j.GetProperty("status").GetString() == "done", Timeout, $"job {id} after the restart");
                Assert.InRange(job.GetProperty("attempts").GetInt32(), 1, 2);
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
