using System.Collections.Concurrent;
using System.Diagnostics;

namespace JobQueue.Benchmarks;

/// <summary>
/// One process the benchmark runs (the API, the Kestrel ceiling, a worker): started with the benchmark's environment plus
/// the given variables, its output kept (its last lines, to show when it misbehaves) and never echoed, killed with its
/// children on dispose. It dies with the benchmark even when the benchmark is killed (<c>setpriv --pdeathsig KILL</c>),
/// so an interrupted run leaves no worker polling a Redis that is gone.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 50;

    // PR_SET_PDEATHSIG fires when the thread that forked the child ends, not the process: every child is forked from
    // this one thread, which lives as long as the benchmark.
    private static readonly BlockingCollection<Action> Launches = [];

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    static ServiceProcess() => new Thread(() =>
    {
        foreach (var launch in Launches.GetConsumingEnumerable())
        {
            launch();
        }
    }) { IsBackground = true, Name = "bench child processes" }.Start();

    private ServiceProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, line) => Keep(line.Data);
        process.ErrorDataReceived += (_, line) => Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The process's id (setpriv execs the command, so it is the command's own).</summary>
    public int Pid => _process.Id;

    public static async Task<ServiceProcess> StartAsync(
        string command, string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("setpriv") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--pdeathsig", "KILL", "--", command, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Launches.Add(() =>
        {
            try
            {
                started.SetResult(Process.Start(info)!);
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        });
        return new ServiceProcess(await started.Task);
    }

    /// <summary>
    /// Polls <paramref name="url"/> until it answers 2xx: an HTTP service is then ready for load. Throws, with the
    /// process's last lines, if it exits or is not ready within <paramref name="limit"/>.
    /// </summary>
    public async Task WaitForHttpAsync(Uri url, TimeSpan limit)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{url} did not answer 2xx within {limit}{(_process.HasExited ? $" (the process exited with {_process.ExitCode})" : "")}. Its console:\n{Console()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The last lines the process wrote (stdout and stderr, as they came).</summary>
    public string Console() => string.Join('\n', _lines);

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > KeptLines && _lines.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true); // SIGKILL: also ends a process stopped by SIGSTOP
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
