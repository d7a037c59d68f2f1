namespace JobQueue.Hosting;

/// <summary>Publishes every replica's state and lets callers wait for states, as Aspire's service of that name does.</summary>
public sealed class ResourceNotificationService(ResourceLoggerService logs)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ResourceSnapshot> _replicas = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<ResourceSnapshot> GetReplicas(string resourceName)
    {
        lock (_gate)
        {
            return [.. _replicas.Values.Where(r => r.ResourceName == resourceName).OrderBy(r => r.ReplicaName, StringComparer.Ordinal)];
        }
    }

    public ResourceSnapshot? GetReplica(string replicaName)
    {
        lock (_gate)
        {
            return _replicas.GetValueOrDefault(replicaName);
        }
    }

    /// <summary>Waits until every replica of the resource is in <paramref name="state"/>.</summary>
    public Task WaitForResourceAsync(string resourceName, string state, CancellationToken cancellationToken = default) =>
        WaitAsync(resourceName, r => r.State == state, stopOnExit: false, cancellationToken);

    /// <summary>
    /// Waits until every replica of the resource runs and passes its health check; throws if one fails to
    /// start or exits first (Redis refusing a port in use, say), so dependents fail instead of waiting forever.
    /// </summary>
    public Task WaitForResourceHealthyAsync(string resourceName, CancellationToken cancellationToken = default) =>
        WaitAsync(resourceName, r => r.State == KnownResourceStates.Running && r.Healthy == true, stopOnExit: true, cancellationToken);

    private async Task WaitAsync(
        string resourceName, Func<ResourceSnapshot, bool> ready, bool stopOnExit, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            var replicas = GetReplicas(resourceName);
            if (replicas.FirstOrDefault(r => r.State == KnownResourceStates.FailedToStart) is { } failed)
            {
                throw new DistributedApplicationException($"Resource '{failed.ReplicaName}' failed to start: {failed.Error}");
            }

            if (stopOnExit && replicas.FirstOrDefault(r => r.State == KnownResourceStates.Exited) is { } exited)
            {
                throw new DistributedApplicationException(
                    $"Resource '{exited.ReplicaName}' exited (code {exited.ExitCode}) before it was ready: {LastWords(exited.ReplicaName)}");
            }

            if (replicas.Count > 0 && replicas.All(ready))
            {
                return;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Why a replica died, in its own words: its unhandled exception's first line, else its last line.</summary>
    private string LastWords(string replicaName)
    {
        var lines = logs.GetLines(replicaName, 200);
        return (lines.FirstOrDefault(l => l.Text.Contains("Unhandled exception.", StringComparison.Ordinal)) ?? lines.LastOrDefault())?.Text.Trim()
            ?? "it printed nothing";
    }

    internal void Publish(ResourceSnapshot snapshot) => Apply(snapshot.ReplicaName, _ => snapshot);

    internal void Update(string replicaName, Func<ResourceSnapshot, ResourceSnapshot> change) =>
        Apply(replicaName, current => change(current!));

    private void Apply(string replicaName, Func<ResourceSnapshot?, ResourceSnapshot> change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _replicas[replicaName] = change(_replicas.GetValueOrDefault(replicaName));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }
}
