using System.Diagnostics;


namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// The built Aspire AppHost (JobQueue.AppHost) run as its own process, the way <c>./run.sh</c> runs it, on the given API
/// port and data directory and free ports for the rest (Redis, the dashboard, its OTLP receivers);
/// <paramref name="args"/> come last and win.
/// </summary>
public sealed class AppHostProcess : IDisposable
{
    /// <summary>The AppHost, DCP, the dashboard and the services starting on 2 busy cores: measured 15-25 s.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    public AppHostProcess(string dataDirectory, int apiPort, params string[] args)
    {
        ApiPort = apiPort;
        DashboardPort = LocalRedis.FreePort();
        // Through env(1), which execs dotnet with SIGINT back at its default: a test host started in the background by a
        // shell ignores SIGINT, the AppHost would inherit that, and Ctrl+C would not stop it.
        var start = new ProcessStartInfo("env")
        {
            ArgumentList =
            {
                "--default-signal=INT", "dotnet",
                BuiltProject.AssemblyOf(Projects.JobQueue_AppHost.ProjectPath),
                $"--Api:Port={apiPort}", $"--Redis:Port={LocalRedis.FreePort()}", $"--Redis:DataDir={dataDirectory}",
                $"--Dashboard:Port={DashboardPort}", $"--Dashboard:OtlpGrpcPort={LocalRedis.FreePort()}",
                $"--Dashboard:OtlpHttpPort={LocalRedis.FreePort()}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // What ./run.sh gets from the AppHost's launch profile.
            Environment = { ["DOTNET_ENVIRONMENT"] = "Development" },
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        // Drained so a full pipe never blocks the AppHost; kept for the tests that read it.
        _process.OutputDataReceived += (_, line) => _output.Enqueue(line.Data ?? "");
        _process.ErrorDataReceived += (_, line) => _output.Enqueue(line.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public int ApiPort { get; }

    /// <summary>The Aspire dashboard's port (<c>--Dashboard:Port</c>).</summary>
    public int DashboardPort { get; }

    /// <summary>What the AppHost printed so far, stdout and stderr, line by line.</summary>
    public IReadOnlyList<string> Output => [.. _output.Where(line => line.Length > 0)];

    /// <summary>Waits for the AppHost to exit by itself; its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(StartTimeout);
        _process.WaitForExit(); // the output is drained
        return _process.ExitCode;
    }

    public HttpClient CreateApiClient() => new() { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}"), Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// Waits until the API answers, then until every process of the app runs (DCP, the dashboard, redis-server, the API,
    /// <paramref name="workers"/> worker processes of both pools (3 and 1 by default), with their launchers); all of them.
    /// </summary>
    public async Task<IReadOnlyList<AppHostProcessTree.Member>> ProcessesOnceServingAsync(int workers = 4)
    {
        using var http = CreateApiClient();
        try
        {
            // An AppHost that exited (a port taken, a setting refused) will not become healthy: said at once.
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    return _process.HasExited || (await http.GetAsync("/health")).IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, healthy => healthy, StartTimeout, "the API to be healthy");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nThe AppHost's last lines:\n{string.Join('\n', Output.TakeLast(40))}", e);
        }

        if (_process.HasExited)
        {
            throw new InvalidOperationException($"The AppHost exited with {_process.ExitCode} before its API was healthy:\n{string.Join('\n', Output.TakeLast(40))}");
        }

        return await Eventually.WaitAsync(() => Task.FromResult(AppHostProcessTree.Of(Pid)), p => IsWholeApp(p, workers), Timeout,
            $"DCP, the dashboard, redis-server, the API and {workers} workers to run");
    }

    /// <summary>Sends <paramref name="signal"/> to the AppHost (Ctrl+C is <see cref="Signals.Interrupt"/>) and waits for it to exit; its exit code.</summary>
    public async Task<int> StopAsync(int signal = Signals.Terminate)
    {
        Signals.Send(Pid, signal);
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        return _process.ExitCode;
    }

    public void Kill() => Signals.Send(Pid, Signals.Kill);

    public void Dispose()
    {
        // Whatever a failed test left: the AppHost stops its processes itself; DCP's are ended here if it could not.
        var processes = AppHostProcessTree.Of(Pid);
        if (!_process.HasExited)
        {
            Signals.Send(Pid, Signals.Terminate);
            _process.WaitForExit(Timeout);
        }

        _process.Dispose();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (processes.Any(p => AppHostProcessTree.IsRunning(p.Pid)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(200);
        }

        foreach (var process in processes.Where(p => AppHostProcessTree.IsRunning(p.Pid)))
        {
            Signals.Send(process.Pid, Signals.Kill);
        }
    }

    /// <summary>A process that runs as long as the app: DCP, the dashboard, redis-server, the API or a worker.</summary>
    public static bool IsService(AppHostProcessTree.Member process) =>
        process.CommandLine.StartsWith("redis-server", StringComparison.Ordinal)
        || new[] { "/dcp", "/Aspire.Dashboard", "/JobQueue.Api", "/JobQueue.Worker" }
            .Any(name => process.CommandLine.Split(' ')[0].EndsWith(name, StringComparison.Ordinal));

    private static bool IsWholeApp(IReadOnlyList<AppHostProcessTree.Member> processes, int workers)
    {
        int Count(string executable) => processes.Count(p => p.CommandLine.Split(' ')[0].EndsWith(executable, StringComparison.Ordinal));
        return Count("/dcp") >= 1 && Count("/Aspire.Dashboard") == 1 && processes.Any(p => p.CommandLine.StartsWith("redis-server", StringComparison.Ordinal))
            && Count("/JobQueue.Api") == 1 && Count("/JobQueue.Worker") == workers;
    }
}
