namespace JobQueue.Hosting;

/// <summary>One line a replica printed.</summary>
public sealed record ConsoleLine(DateTimeOffset Time, string Text, bool IsError);

/// <summary>
/// Keeps the last <see cref="MaxLinesPerReplica"/> lines each replica printed, for the dashboard's console
/// page (Aspire's service of that name); older lines are dropped, so memory stays bounded.
/// </summary>
public sealed class ResourceLoggerService
{
    public const int MaxLinesPerReplica = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<ConsoleLine>> _lines = [];

    public IReadOnlyList<ConsoleLine> GetLines(string replicaName, int last = MaxLinesPerReplica)
    {
        lock (_gate)
        {
            return _lines.TryGetValue(replicaName, out var lines) ? [.. lines.Skip(Math.Max(0, lines.Count - last))] : [];
        }
    }

    internal void Add(string replicaName, string text, bool isError)
    {
        lock (_gate)
        {
            if (!_lines.TryGetValue(replicaName, out var lines))
            {
                _lines[replicaName] = lines = new Queue<ConsoleLine>();
            }

            lines.Enqueue(new ConsoleLine(DateTimeOffset.UtcNow, text, isError));
            if (lines.Count > MaxLinesPerReplica)
            {
                lines.Dequeue();
            }
        }
    }
}
