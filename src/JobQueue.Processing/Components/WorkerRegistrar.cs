using System.Diagnostics;
using JobQueue.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace JobQueue.Processing.Components;

/// <summary>
/// Registers this worker process in the registry of every queue and partition it reads (register_worker.lua), so that a
/// page can name the worker behind a job's attempt (<see cref="JobStore.AttemptsAsync"/>) and list the workers
/// (<see cref="QueueInspector.WorkersAsync"/>) without the telemetry or process table of whatever runs it: its pool
/// (<see cref="WorkerOptions.Pool"/>), its instance (<c>service.instance.id</c> of <c>OTEL_RESOURCE_ATTRIBUTES</c>, else
/// its consumer name), host, process id, start and queues. At start, every few seconds after (its last seen), and once
/// more when it stops, marked stopped. It is not removed: the attempts it ran still name it until it has not been seen for
/// as long as a job is kept (the longer retention), when the registry forgets it.
/// </summary>
internal sealed class WorkerRegistrar(
    WorkerQueues queues,
    IConfiguration configuration,
    IOptions<WorkerOptions> options,
    IOptions<QueueOptions> queueOptions,
    ILogger<WorkerRegistrar> logger) : BackgroundService
{
    private WorkerRegistration? _registration;

    /// <summary>What this process registers (the same all its life, but for <see cref="WorkerRegistration.Stopped"/>).</summary>
    private WorkerRegistration Registration => _registration ??= Describe();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var registered = false;
        using var timer = new PeriodicTimer(WorkerRegistration.Interval);
        do
        {
            try
            {
                await RegisterAsync(Registration);
                if (!registered)
                {
                    logger.LogInformation("Worker {Consumer} registered as instance {Instance} of pool {Pool} (host {Host}, process {ProcessId})",
                        Registration.Consumer, Registration.Instance, Registration.Pool, Registration.Host, Registration.ProcessId);
                    registered = true;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogLoopFailure(e, "Registering the worker failed; will retry");
            }
        }
        while (await timer.TickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await RegisterAsync(Registration with { Stopped = true }).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e.IsRedisFailure() || e is OperationCanceledException)
        {
            // Its last seen then stays that of its last heartbeat: a page shows it as gone quiet, not stopped.
            logger.LogWarning("Could not mark worker {Consumer} stopped in its queues' registries: {Reason}", Registration.Consumer, e.Message);
        }
    }

    private async Task RegisterAsync(WorkerRegistration registration)
    {
        var (retention, deadLetterRetention) = (queueOptions.Value.Retention, queueOptions.Value.DeadLetterRetention);
        var keep = retention > deadLetterRetention ? retention : deadLetterRetention; // as long as any job that names it is kept
        foreach (var queue in queues.All)
        {
            if (await queue.Consumer.RegisterWorkerAsync(registration, keep) is > 0 and var forgotten)
            {
                logger.LogInformation("Forgot {Count} worker(s) of queue {Queue} not seen for {Keep}", forgotten, queue.Name, keep);
            }
        }
    }

    private WorkerRegistration Describe()
    {
        var consumer = queues.All[0].Consumer.Name;
        using var process = Process.GetCurrentProcess();
        return new WorkerRegistration(
            consumer,
            options.Value.Pool!,
            ServiceInstanceId(configuration["OTEL_RESOURCE_ATTRIBUTES"]) ?? consumer,
            Environment.MachineName,
            Environment.ProcessId,
            process.StartTime.ToUniversalTime(),
            DateTimeOffset.UtcNow, // not sent: the registry stamps Redis's clock
            [.. queues.All.Select(q => q.Queue).Distinct()]);
    }

    /// <summary>
    /// <c>service.instance.id</c> of OpenTelemetry's resource attributes (<c>key=value,key=value</c>, values percent-encoded,
    /// as an AppHost sets them: <c>service.instance.id=worker-2</c>); null if absent.
    /// </summary>
    private static string? ServiceInstanceId(string? attributes) =>
        attributes?.Split(',').Select(a => a.Split('=', 2)).Where(kv => kv.Length == 2 && kv[0].Trim() == "service.instance.id")
            .Select(kv => Uri.UnescapeDataString(kv[1].Trim())).FirstOrDefault(id => id.Length > 0);
}
