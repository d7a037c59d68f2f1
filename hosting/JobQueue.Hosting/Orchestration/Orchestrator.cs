using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobQueue.Hosting.Orchestration;

/// <summary>
/// Starts every resource once the resources it waits for are healthy, and on shutdown stops them in the
/// reverse order of declaration (services before the Redis they use).
/// </summary>
internal sealed class Orchestrator(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceConsole console,
    ResourceLoggerService consoleLogs,
    IEnumerable<IDistributedApplicationLifecycleHook> hooks,
    ILogger<Orchestrator> logger) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    private readonly HttpClient _http = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<ExecutableResource, List<ReplicaRunner>> _runners = [];
    private readonly List<TcpProxy> _proxies = [];
    private readonly List<Task> _starts = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var hook in hooks)
        {
            await hook.BeforeStartAsync(model, cancellationToken);
        }

        foreach (var resource in model.Resources)
        {
            await resource.PrepareAsync(cancellationToken);
            _runners[resource] = [.. CreateReplicas(resource)];
        }

        foreach (var resource in model.Resources)
        {
            _starts.Add(StartWhenReadyAsync(resource, _stopping.Token));
        }
    }

    private IEnumerable<ReplicaRunner> CreateReplicas(ExecutableResource resource)
    {
        // One replica listens on the endpoint's port itself; several get ports of their own behind a proxy.
        var ports = Enumerable.Range(0, resource.Replicas)
            .Select(_ => resource.Endpoints.ToDictionary(
                e => e.Name, e => resource.Replicas == 1 ? e.Port : PortAllocator.FreePort()))
            .ToList();
        if (resource.Replicas > 1)
        {
            _proxies.AddRange(resource.Endpoints.Select(e => new TcpProxy(e.Port, [.. ports.Select(p => p[e.Name])])));
        }

        for (var index = 0; index < resource.Replicas; index++)
        {
            var replica = new ReplicaInfo(resource.Name, resource.ReplicaName(index), index, ports[index]);
            notifications.Publish(new ResourceSnapshot(resource.Name, replica.Name, KnownResourceStates.NotStarted));
            yield return new ReplicaRunner(resource, replica, notifications, console, consoleLogs, _http, logger);
        }
    }

    private async Task StartWhenReadyAsync(ExecutableResource resource, CancellationToken stopping)
    {
        var replicas = _runners[resource].Take(resource.InitialReplicas ?? resource.Replicas).ToList();
        try
        {
            if (resource.WaitsFor.Count > 0)
            {
                foreach (var replica in replicas)
                {
                    notifications.Update(replica.Replica.Name, s => s with { State = KnownResourceStates.Waiting });
                }

                await Task.WhenAll(resource.WaitsFor.Select(d => notifications.WaitForResourceHealthyAsync(d.Name, stopping)));
            }

            await Task.WhenAll(replicas.Select(r => r.StartAsync(stopping)));
            await resource.AfterStartAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (DistributedApplicationException e)
        {
            logger.LogError("{Resource} was not started: {Reason}", resource.Name, e.Message);
            foreach (var replica in replicas)
            {
                notifications.Update(replica.Replica.Name, s => s with { State = KnownResourceStates.FailedToStart, Error = e.Message });
            }
        }
    }

    /// <summary>Stops one replica (SIGTERM, then SIGKILL after the grace period).</summary>
    public Task StopReplicaAsync(string replicaName) => Runner(replicaName).StopAsync(StopGrace);

    /// <summary>Starts one replica again if it is not running.</summary>
    public async Task StartReplicaAsync(string replicaName)
    {
        var runner = Runner(replicaName);
        if (notifications.GetReplica(replicaName)?.State is not (KnownResourceStates.Running or KnownResourceStates.Starting))
        {
            await runner.StartAsync(_stopping.Token);
        }
    }

    private ReplicaRunner Runner(string replicaName) =>
        _runners.Values.SelectMany(r => r).FirstOrDefault(r => r.Replica.Name == replicaName)
        ?? throw new ArgumentException($"There is no replica '{replicaName}'.", nameof(replicaName));

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_starts);
        foreach (var resource in model.Resources.AsEnumerable().Reverse())
        {
            if (_runners.TryGetValue(resource, out var replicas))
            {
                await Task.WhenAll(replicas.Select(r => r.StopAsync(StopGrace)));
            }
        }

        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }

        _proxies.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _http.Dispose();
    }
}
