using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// What a test sees of a running Aspire app's processes, from Aspire's resource snapshots: each replica's state, its
/// process, exit code and URL; commands to stop and start it; its console lines. A project's snapshot names the pid
/// of its <c>dotnet run</c> launcher, so <see cref="Replica.Pid"/> is the launcher's child: the app itself, which a
/// test signals.
/// </summary>
public sealed partial class AppResources : IAsyncDisposable
{
    private readonly DistributedApplication _app;
    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;

    public AppResources(DistributedApplication app)
    {
        _app = app;
        _watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var update in app.ResourceNotifications.WatchAsync(_stop.Token))
                {
                    _latest[update.ResourceId] = update;
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>One process of a resource: a replica of a project, or an executable such as redis-server.</summary>
    /// <param name="Id">The replica's resource id (for commands and logs), e.g. <c>worker-xkcdabcd</c>.</param>
    /// <param name="Pid">The app's own process (not its launcher); null while it is not running.</param>
    /// <param name="Url">Where this replica itself listens (not the shared proxy), for projects with an http endpoint.</param>
    public sealed record Replica(string Id, string? State, int? Pid, int? ExitCode, Uri? Url);

    /// <summary>The replicas of <paramref name="resource"/>, in a stable order (by id).</summary>
    public IReadOnlyList<Replica> Of(string resource) =>
        [.. _latest.Values.Where(e => e.Resource.Name == resource).OrderBy(e => e.ResourceId, StringComparer.Ordinal).Select(ToReplica)];

    /// <summary>The replica with id <paramref name="id"/>, as it is now.</summary>
    public Replica Get(string id) => ToReplica(_latest[id]);

    /// <summary>The <paramref name="index"/>-th replica of <paramref name="resource"/> (see <see cref="Of"/>).</summary>
    public Replica Get(string resource, int index) => Of(resource)[index];

    /// <summary>The replica of a project running as process <paramref name="pid"/>.</summary>
    public Replica OfPid(string resource, int pid) => Of(resource).Single(r => r.Pid == pid);

    /// <summary>The executable (a redis-server node) listening on <paramref name="port"/> of loopback, as its command line says.</summary>
    public Replica Listening(int port)
    {
        var pid = AppHostProcessTree.Listening(port);
        return _latest.Values.Select(ToReplica).Single(r => r.Pid == pid);
    }

    public Task StopAsync(string id) => RunAsync(id, KnownResourceCommands.StopCommand);

    public Task StartAsync(string id) => RunAsync(id, KnownResourceCommands.StartCommand);

    /// <summary>
    /// Starts again, without waiting for them, the replicas of <paramref name="resource"/> that DCP reports ended: what a
    /// supervisor does, while the test goes on killing.
    /// </summary>
    public async Task StartEndedAsync(string resource)
    {
        foreach (var replica in Of(resource).Where(r => KnownResourceStates.TerminalStates.Contains(r.State)))
        {
            // One already starting (its snapshot not yet updated) refuses a second start: the next round sees it run.
            await _app.ResourceCommands.ExecuteCommandAsync(replica.Id, KnownResourceCommands.StartCommand);
        }
    }

    /// <summary>
    /// Starts again every replica of <paramref name="resource"/> a test stopped or killed, until all run. DCP notices a
    /// killed process a moment after the kill, so a replica still shown running may end later: it is started then.
    /// </summary>
    public async Task RestoreAsync(string resource, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        // A start takes a moment to show in the snapshot: one start per replica every 10 s, not one per poll.
        var started = new Dictionary<string, DateTime>();
        while (true)
        {
            var replicas = Of(resource);
            if (replicas.Count > 0 && replicas.All(r => r.State == KnownResourceStates.Running && r.Pid is not null))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} restoring {resource}: {string.Join(", ", replicas)}");
            }

            foreach (var replica in replicas.Where(r => KnownResourceStates.TerminalStates.Contains(r.State)))
            {
                if (!started.TryGetValue(replica.Id, out var at) || DateTime.UtcNow - at > TimeSpan.FromSeconds(10))
                {
                    started[replica.Id] = DateTime.UtcNow;
                    await StartAsync(replica.Id);
                }
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until every replica of <paramref name="resource"/> runs with its app process started.</summary>
    public Task WaitAllRunningAsync(string resource, TimeSpan timeout) =>
        Eventually.WaitAsync(() => Task.FromResult(Of(resource)), replicas => replicas.Count > 0 && replicas.All(r => r.State == KnownResourceStates.Running && r.Pid is not null),
            timeout, $"every {resource} replica to run");

    /// <summary>
    /// <see cref="WaitAllRunningAsync"/> for an app's first start, when no replica has been stopped yet: one that ends
    /// meanwhile fails the wait at once, with its last console lines (nothing starts it again, and why it ended is the news).
    /// </summary>
    public async Task WaitAllStartedAsync(string resource, TimeSpan timeout)
    {
        var replicas = await Eventually.WaitAsync(() => Task.FromResult(Of(resource)),
            replicas => replicas.Any(r => KnownResourceStates.TerminalStates.Contains(r.State))
                        || (replicas.Count > 0 && replicas.All(r => r.State == KnownResourceStates.Running && r.Pid is not null)),
            timeout, $"every {resource} replica to start");
        if (replicas.FirstOrDefault(r => KnownResourceStates.TerminalStates.Contains(r.State)) is { } ended)
        {
            var lines = await LinesAsync(ended.Id, 40);
            throw new InvalidOperationException(
                $"{ended.Id} ended while the app started ({ended.State}, exit code {ended.ExitCode}); its last lines:\n"
                + string.Join("\n", lines.Select(l => l.Text)));
        }
    }

    /// <summary>A line a process printed, with when DCP read it (its logs carry an RFC 3339 time before each line).</summary>
    public sealed record ConsoleLine(DateTimeOffset Time, string Text);

    /// <summary>The last <paramref name="count"/> lines the replica printed (stdout and stderr).</summary>
    public async Task<IReadOnlyList<ConsoleLine>> LinesAsync(string id, int count)
    {
        var loggers = _app.Services.GetRequiredService<ResourceLoggerService>();
        var lines = new List<ConsoleLine>();
        await foreach (var batch in loggers.GetAllAsync(id))
        {
            lines.AddRange(batch.Select(line => ToConsoleLine(line.Content)));
        }

        return lines.TakeLast(count).ToList();
    }

    /// <summary>The last <paramref name="count"/> lines of every replica of <paramref name="resource"/>.</summary>
    public async Task<IReadOnlyList<ConsoleLine>> LinesOfAllAsync(string resource, int count) =>
        (await Task.WhenAll(Of(resource).Select(r => LinesAsync(r.Id, count)))).SelectMany(lines => lines).ToList();

    private static ConsoleLine ToConsoleLine(string content)
    {
        // Aspire lets projects colour their console for its dashboard; a test reads the words ("fail:", not "\e[41mfail").
        content = AnsiEscape().Replace(content, "");
        var space = content.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && DateTimeOffset.TryParse(content[..space], System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? new ConsoleLine(time, content[(space + 1)..])
            // Without a time, the line counts as new: a test looking for what was logged after a moment still sees it.
            : new ConsoleLine(DateTimeOffset.MaxValue, content);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        _stop.Dispose();
    }

    private async Task RunAsync(string id, string command)
    {
        var result = await _app.ResourceCommands.ExecuteCommandAsync(id, command);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} on {id} failed: {result.Message}");
        }
    }

    private static Replica ToReplica(ResourceEvent update)
    {
        var snapshot = update.Snapshot;
        var launcher = snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
        {
            int value => value,
            long value => (int)value,
            string text when int.TryParse(text, out var value) => value,
            _ => (int?)null,
        };
        var running = snapshot.State?.Text == KnownResourceStates.Running;
        var pid = running && launcher is { } process ? AppHostProcessTree.AppOf(process) : null;
        var url = snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value is { Length: > 0 } urls
            ? new Uri(urls.Split(';')[0].Replace("localhost", "127.0.0.1", StringComparison.Ordinal))
            : null;
        return new Replica(update.ResourceId, snapshot.State?.Text, pid, snapshot.ExitCode, url);
    }

    [System.Text.RegularExpressions.GeneratedRegex("\x1B\\[[0-9;]*m")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();
}
