using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

/// <summary>
/// The Aspire AppHost run as users run it, as its own process: it serves jobs, it refuses a taken port in one line, and
/// stopping it (Ctrl+C, SIGTERM) or killing it (SIGKILL) leaves no process of it behind: not DCP, the dashboard,
/// redis-server, the API nor a worker.
/// </summary>
[TakesAbout(90)]
public sealed class AppHostProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    /// <summary>What the issue asks: DCP stops a project with SIGTERM and kills it about 12 s later.</summary>
    private static readonly TimeSpan NoOrphansWithin = TimeSpan.FromSeconds(30);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "wt-aspire-apphost-" + Guid.NewGuid().ToString("N"));
    private readonly int _apiPort = LocalRedis.FreePort();

    [Theory]
    [InlineData("Api:Port")]
    [InlineData("Redis:Port")]
    [InlineData("Dashboard:Port")]
    [InlineData("Dashboard:OtlpGrpcPort")]
    public async Task An_apphost_whose_port_is_taken_exits_at_once_with_one_line_naming_the_setting_and_starts_nothing(string setting)
    {
        var port = LocalRedis.FreePort();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        squatter.Start();
        using var appHost = new AppHostProcess(_dataDirectory, setting == "Api:Port" ? port : _apiPort, $"--{setting}={port}");

        var exitCode = await appHost.ExitCodeAsync();

        Assert.Equal(1, exitCode);
        Assert.Equal([$"error: Port {port} ({setting}) is already in use by another process: choose another with --{setting}=<port>."],
            appHost.Output);
        Assert.False(Directory.Exists(_dataDirectory), "Redis was started (its data directory exists)");
        Assert.Empty(AppHostProcessTree.Of(appHost.Pid));
    }

    /// <summary>
    /// One sequence, so the suite starts three AppHosts for it rather than four: two side by side, each serving its own
    /// jobs; the first stopped with SIGTERM and restarted on its data (its queued jobs are then processed) and stopped
    /// with Ctrl+C; the second killed with SIGKILL. Each stop leaves no process of its AppHost, and none of the other's ends.
    /// </summary>
    [Fact]
    public async Task Two_apphosts_side_by_side_each_serve_their_own_jobs_survive_the_others_sigterm_restart_and_ctrl_c_and_a_sigkill_leaves_nothing()
    {
        var otherData = _dataDirectory + "-other";
        try
        {
            // 1 worker and 1 emails worker each.
            using var other = new AppHostProcess(otherData, LocalRedis.FreePort(), "--Worker:Replicas=1");
            var ids = new List<string>();
            IReadOnlyList<AppHostProcessTree.Member> otherProcesses;
            using (var first = new AppHostProcess(_dataDirectory, _apiPort, "--Worker:Replicas=1"))
            {
                var processes = await first.ProcessesOnceServingAsync(workers: 2);
                otherProcesses = await other.ProcessesOnceServingAsync(workers: 2);
                await SubmitAsync(other);
                using var http = first.CreateApiClient();
                for (var i = 0; i < 20; i++)
                {
                    // Slow enough that most are still queued or running when everything stops.
                    using var response = await http.PostAsJsonAsync("/jobs", new { type = "sleep", payload = new { ms = 500 } });
                    ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
                }

                await StopsCleanlyAsync(first, processes, Signals.Terminate, "SIGTERM");
                OthersRunning(otherProcesses);
            }

            using var restarted = new AppHostProcess(_dataDirectory, _apiPort, "--Worker:Replicas=1");
            var restartedProcesses = await restarted.ProcessesOnceServingAsync(workers: 2);
            using (var http = restarted.CreateApiClient())
            {
                foreach (var id in ids)
                {
                    var job = await Eventually.WaitAsync(() => http.GetFromJsonAsync<JsonElement>($"/jobs/{id}"),
                        j => j.GetProperty("status").GetString() == "done", Timeout, $"job {id} after the restart");
                    Assert.InRange(job.GetProperty("attempts").GetInt32(), 1, 2);
                }
            }

            await CompletedAsync(restarted, ids.Count);
            await StopsCleanlyAsync(restarted, restartedProcesses, Signals.Interrupt, "Ctrl+C");
            OthersRunning(otherProcesses);

            // The other one served its own job all along, and nothing of the first.
            await CompletedAsync(other, 1);
            var killed = System.Diagnostics.Stopwatch.StartNew();
            other.Kill();
            await NoneRunningAsync(otherProcesses, "SIGKILL");
            output.WriteLine($"SIGKILL: its last process ended {killed.Elapsed.TotalSeconds:F1} s after the AppHost");
        }
        finally
        {
            if (Directory.Exists(otherData))
            {
                Directory.Delete(otherData, recursive: true);
            }
        }
    }

    /// <summary>The other AppHost's services run on (DCP also runs short-lived probes, docker --version, which end by themselves).</summary>
    private static void OthersRunning(IReadOnlyList<AppHostProcessTree.Member> processes) =>
        Assert.All(processes.Where(AppHostProcess.IsService), p => Assert.True(AppHostProcessTree.IsRunning(p.Pid), $"{p} of the other AppHost ended"));

    /// <summary>Stops the AppHost with <paramref name="signal"/>: it exits with 0, and every process it started ends within 30 s.</summary>
    private async Task StopsCleanlyAsync(AppHostProcess appHost, IReadOnlyList<AppHostProcessTree.Member> processes, int signal, string how)
    {
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        var exitCode = await appHost.StopAsync(signal);
        var exited = stopping.Elapsed;
        await NoneRunningAsync(processes, how);
        Assert.Equal(0, exitCode);
        output.WriteLine($"{how}: the AppHost exited in {exited.TotalSeconds:F1} s, its last process in {stopping.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task SubmitAsync(AppHostProcess appHost)
    {
        using var http = appHost.CreateApiClient();
        using var submitted = await http.PostAsJsonAsync("/jobs", new { payload = new { port = appHost.ApiPort } });
        submitted.EnsureSuccessStatusCode();
    }

    private static async Task CompletedAsync(AppHostProcess appHost, long count)
    {
        using var http = appHost.CreateApiClient();
        await Eventually.WaitAsync(() => http.GetFromJsonAsync<JsonElement>("/queue"),
            q => q.GetProperty("completed").GetInt64() == count, Timeout, $"{count} jobs done on {appHost.ApiPort}");
    }

    private async Task NoneRunningAsync(IReadOnlyList<AppHostProcessTree.Member> processes, string how)
    {
        try
        {
            await Eventually.WaitAsync(() => Task.FromResult(processes.Where(p => AppHostProcessTree.IsRunning(p.Pid)).ToList()),
                running => running.Count == 0, NoOrphansWithin, $"every process of the AppHost to end after {how}");
        }
        catch (Exception) when (processes.Any(p => AppHostProcessTree.IsRunning(p.Pid)))
        {
            output.WriteLine("Still running: " + string.Join("; ", processes.Where(p => AppHostProcessTree.IsRunning(p.Pid))));
            throw;
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
