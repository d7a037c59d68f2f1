using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace JobQueue.Hosting.Orchestration;

/// <summary>
/// Runs one replica of a resource: starts its process with the resource's environment, relays its output,
/// probes its health while it runs, records its exit, and stops it (SIGTERM, then SIGKILL after a grace period).
/// </summary>
internal sealed class ReplicaRunner(
    ExecutableResource resource,
    ReplicaInfo replica,
    ResourceNotificationService notifications,
    ResourceConsole console,
    ResourceLoggerService consoleLogs,
    HttpClient http,
    ILogger logger)
{
    private static readonly TimeSpan HealthInterval = TimeSpan.FromSeconds(1);
    private Process? _process;
    private Task _exited = Task.CompletedTask;

    public ReplicaInfo Replica => replica;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        notifications.Update(replica.Name, s => s with { State = KnownResourceStates.Starting, ExitCode = null, StoppedAt = null, Error = null });
        var context = new EnvironmentCallbackContext(replica);
        foreach (var callback in resource.EnvironmentCallbacks)
        {
            callback(context);
        }

        Process process;
        try
        {
            process = await ProcessLauncher.StartAsync(resource.Command, resource.ArgsOf(replica), resource.WorkingDirectory, context.EnvironmentVariables);
        }
        catch (Exception e)
        {
            logger.LogError("{Replica} failed to start: {Reason}", replica.Name, e.Message);
            notifications.Update(replica.Name, s => s with { State = KnownResourceStates.FailedToStart, Error = e.Message });
            return;
        }

        _process = process;
        process.OutputDataReceived += (_, line) => Relay(line.Data, isError: false);
        process.ErrorDataReceived += (_, line) => Relay(line.Data, isError: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        notifications.Update(replica.Name, s => s with
        {
            State = KnownResourceStates.Running, Healthy = null, Pid = process.Id, StartedAt = DateTimeOffset.UtcNow,
            Environment = context.EnvironmentVariables,
            Urls = [.. resource.Endpoints.Select(e => new Uri($"{e.Scheme}://127.0.0.1:{replica.Ports[e.Name]}"))],
        });
        logger.LogInformation("{Replica} started (pid {Pid})", replica.Name, process.Id);

        // Cancelled (never disposed) when the process exits, ending the health probe.
        var running = new CancellationTokenSource();
        _exited = WatchExitAsync(process, running);
        _ = ProbeHealthAsync(running.Token);
    }

    private async Task WatchExitAsync(Process process, CancellationTokenSource running)
    {
        await process.WaitForExitAsync();
        await running.CancelAsync();
        var code = process.ExitCode;
        notifications.Update(replica.Name, s => s with
        {
            State = KnownResourceStates.Exited, Healthy = null, ExitCode = code, StoppedAt = DateTimeOffset.UtcNow,
        });
        logger.Log(code == 0 ? LogLevel.Information : LogLevel.Warning, "{Replica} exited with code {ExitCode}", replica.Name, code);
        process.Dispose();
    }

    private async Task ProbeHealthAsync(CancellationToken running)
    {
        bool? last = null;
        while (!running.IsCancellationRequested)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(running);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            bool healthy;
            try
            {
                healthy = await resource.IsHealthyAsync(replica, http, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                healthy = false;
            }

            if (healthy != last && !running.IsCancellationRequested)
            {
                last = healthy;
                notifications.Update(replica.Name, s => s.State == KnownResourceStates.Running ? s with { Healthy = healthy } : s);
            }

            await Task.Delay(HealthInterval, running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        var process = _process;
        if (process is null || _exited.IsCompleted)
        {
            return;
        }

        notifications.Update(replica.Name, s => s with { State = KnownResourceStates.Stopping });
        ProcessLauncher.Terminate(process);
        if (await Task.WhenAny(_exited, Task.Delay(grace)) != _exited)
        {
            logger.LogWarning("{Replica} did not stop within {Grace}; killing it", replica.Name, grace);
            process.Kill(entireProcessTree: true);
        }

        await _exited;
    }

    private void Relay(string? line, bool isError)
    {
        if (line is not null)
        {
            console.WriteLine(replica.Name, line);
            consoleLogs.Add(replica.Name, line, isError);
        }
    }
}
