using System.Collections.Concurrent;

namespace JobQueue.Hosting.Autoscaling;

/// <summary>One replica of a pool as Aspire last reported it: its resource id (what commands take), state, process and exit code.</summary>
public sealed record ReplicaState(string ResourceId, string? State, int? Pid, int? ExitCode);

/// <summary>
/// The replicas of the autoscaled pools, from Aspire's resource snapshots (<see cref="ResourceNotificationService.WatchAsync"/>,
/// one snapshot per replica, each with its own resource id), and what the autoscaler asked of them that Aspire has not
/// shown yet: a replica told to start counts as active until it shows starting or running, one told to stop counts as
/// stopping (neither active nor free to start) until it shows a stopped state. Without this, a poll made before
/// Aspire's next snapshot would start or stop the same replica twice.
/// </summary>
internal sealed class ReplicaTracker
{
    private static readonly TimeSpan RequestExpiry = TimeSpan.FromSeconds(60);
    private static readonly string[] ActiveStates = [KnownResourceStates.Starting, KnownResourceStates.Running, KnownResourceStates.Waiting];

    private readonly ConcurrentDictionary<string, (IResource Resource, ReplicaState State)> _replicas = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _starting = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _stopping = new();

    public async Task WatchAsync(ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        await foreach (var e in notifications.WatchAsync(cancellationToken))
        {
            var pid = e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
            {
                int value => value,
                long value => (int)value,
                string text when int.TryParse(text, out var value) => value,
                _ => (int?)null,
            };
            var state = new ReplicaState(e.ResourceId, e.Snapshot.State?.Text, pid, e.Snapshot.ExitCode);
            _replicas[e.ResourceId] = (e.Resource, state);
            if (IsActiveState(state.State))
            {
                _starting.TryRemove(e.ResourceId, out _);
            }

            if (IsStopped(state.State))
            {
                _stopping.TryRemove(e.ResourceId, out _);
            }
        }
    }

    /// <summary>The pool's replicas, by resource id.</summary>
    public IReadOnlyList<ReplicaState> Replicas(IResource pool) =>
        [.. _replicas.Values.Where(r => ReferenceEquals(r.Resource, pool)).Select(r => r.State).OrderBy(r => r.ResourceId, StringComparer.Ordinal)];

    /// <summary>Running, starting, or told to start; not told to stop.</summary>
    public List<ReplicaState> Active(IResource pool) => [.. Replicas(pool).Where(IsActive)];

    /// <summary>Replicas that may be started: not running, not told to start, not stopping.</summary>
    public List<ReplicaState> Idle(IResource pool) =>
        [.. Replicas(pool).Where(r => !IsActive(r) && !Requested(_stopping, r.ResourceId) && r.State != KnownResourceStates.Stopping)];

    public void Starting(string resourceId) => _starting[resourceId] = DateTimeOffset.UtcNow;

    public void Stopping(string resourceId) => _stopping[resourceId] = DateTimeOffset.UtcNow;

    private bool IsActive(ReplicaState replica) =>
        !Requested(_stopping, replica.ResourceId) && (IsActiveState(replica.State) || Requested(_starting, replica.ResourceId));

    private static bool Requested(ConcurrentDictionary<string, DateTimeOffset> requests, string resourceId) =>
        requests.TryGetValue(resourceId, out var at) && DateTimeOffset.UtcNow - at < RequestExpiry;

    private static bool IsActiveState(string? state) => state is not null && ActiveStates.Contains(state);

    /// <summary>
    /// Neither running nor on its way: what Aspire's own start command accepts (a terminal state, NotStarted, or DCP's
    /// "Unknown", which a stopped executable shows).
    /// </summary>
    private static bool IsStopped(string? state) => state is not null && !IsActiveState(state) && state != KnownResourceStates.Stopping;
}
