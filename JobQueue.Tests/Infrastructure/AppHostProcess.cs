using System.Diagnostics;

using JobQueue.Hosting.Orchestration;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// The built AppHost run as its own process, the way <c>./run.sh</c> runs it, on the given API port and data
/// directory and free ports for the rest (Redis, dashboard, OTLP); <paramref name="args"/> come last and win.
/// </summary>
public sealed class AppHostProcess : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    public AppHostProcess(string dataDirectory, int apiPort, params string[] args)
    {
        ApiPort = apiPort;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                new Projects.JobQueue_AppHost().TargetPath,
                $"--Api:Port={apiPort}", $"--Redis:Port={PortAllocator.FreePort()}", $"--Redis:DataDir={dataDirectory}",
                $"--Dashboard:Port={PortAllocator.FreePort()}", $"--Dashboard:OtlpGrpcPort={PortAllocator.FreePort()}",
                $"--Dashboard:OtlpHttpPort={PortAllocator.FreePort()}",
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

    /// <summary>What the AppHost printed so far, stdout and stderr, line by line.</summary>
    public IReadOnlyList<string> Output => [.. _output.Where(line => line.Length > 0)];

    /// <summary>Waits for the AppHost to exit by itself; its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        _process.WaitForExit(); // the output is drained
        return _process.ExitCode;
    }

    public int ApiPort { get; }

    public HttpClient CreateApiClient() => new() { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}") };

    /// <summary>Waits until the API answers, then lists the AppHost's child processes (redis, api, 3 workers, 1 emails worker).</summary>
    public async Task<IReadOnlyList<int>> ChildrenOnceServingAsync()
    {
        using var http = CreateApiClient();
        await Eventually.WaitAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/health")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, healthy => healthy, Timeout, "the API to be healthy");
        return await Eventually.WaitAsync(() => Task.FromResult(Children()), c => c.Count == 6, Timeout, "6 child processes");
    }

    public async Task<int> StopAsync()
    {
        Signals.Send(Pid, Signals.Terminate);
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        return _process.ExitCode;
    }

    public void Kill() => Signals.Send(Pid, Signals.Kill);

    /// <summary>Alive and not a zombie (a killed child this sandbox's init has not reaped yet is dead).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signals.Send(Pid, Signals.Terminate);
            _process.WaitForExit(Timeout);
        }

        _process.Dispose();
    }

    private IReadOnlyList<int> Children() =>
        [.. Directory.GetDirectories($"/proc/{Pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse)
            .Distinct()];
}
