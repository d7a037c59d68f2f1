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
    public async Task An_apphost_whose_port_is_taken_exits_at_once_with_one_line_naming_the_setting_and_starts_nothing()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, _apiPort);
        squatter.Start();
        using var appHost = new AppHostProcess(_dataDirectory, _apiPort);

        var exitCode = await appHost.ExitCodeAsync();

        Assert.Equal(1, exitCode);
        Assert.Equal([$"error: Port {_apiPort} (Api:Port) is already in use by another process: choose another with --Api:Port=<port>."],
            appHost.Output);
        Assert.False(Directory.Exists(_dataDirectory), "Redis was started (its data directory exists)");
    }

    [Fact]
    public async Task Two_apphosts_on_different_ports_run_side_by_side_and_each_runs_its_own_jobs()
    {
        var otherData = _dataDirectory + "-other";
        try
        {
            using var first = new AppHostProcess(_dataDirectory, _apiPort, "--Worker:Replicas=1");
            using var second = new AppHostProcess(otherData, PortAllocator.FreePort(), "--Worker:Replicas=1");
            foreach (var appHost in new[] { first, second })
            {
                using var http = appHost.CreateApiClient();
                await Eventually.WaitAsync(async () =>
                {
                    try
                    {
                        using var submitted = await http.PostAsJsonAsync("/jobs", new { payload = new { port = appHost.ApiPort } });
                        return submitted.IsSuccessStatusCode ? (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString() : null;
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                }, id => id is not null, Timeout, $"the AppHost on {appHost.ApiPort} to take a job");
            }

            foreach (var appHost in new[] { first, second })
            {
                using var http = appHost.CreateApiClient();
                var queue = await Eventually.WaitAsync(() => http.GetFromJsonAsync<JsonElement>("/queue"),
                    q => q.GetProperty("completed").GetInt64() == 1, Timeout, $"the job on {appHost.ApiPort} to be done");
                Assert.Equal(1, queue.GetProperty("completed").GetInt64());
            }

            Assert.Equal(0, await first.StopAsync());
            Assert.Equal(0, await second.StopAsync());
        }
        finally
        {
            if (Directory.Exists(otherData))
            {
                Directory.Delete(otherData, recursive: true);
            }
        }
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
