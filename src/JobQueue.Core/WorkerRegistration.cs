using System.Buffers;
using System.Text;
using System.Text.Json;

namespace JobQueue;

/// <summary>
/// A worker process as it registered in the registries of the queues it reads (<see cref="Redis.QueueKeys.Workers"/>):
/// its consumer name in their groups, its pool (the service it runs as), its instance (the replica: <c>service.instance.id</c>,
/// else the consumer name), host, process id, when it started (its own clock) and was last seen (Redis's), and the queues it
/// reads. A worker that stopped or died stays registered, so the attempts it ran can still name it; <see cref="Stopped"/> says
/// it stopped on purpose (its last seen is then when).
/// </summary>
public sealed record WorkerRegistration(
    string Consumer, string Pool, string Instance, string Host, int ProcessId,
    DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, IReadOnlyList<string> Queues)
{
    /// <summary>How often a running worker registers again: its last seen lags by at most this.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Whether the worker said it stopped (a graceful shutdown) when it last registered.</summary>
    public bool Stopped { get; init; }

    /// <summary>
    /// Whether the worker is running as far as the registry can tell: it did not say it stopped, and it was seen within three
    /// of its intervals (a worker that died, hung or lost Redis stops being seen).
    /// </summary>
    public bool IsAlive(DateTimeOffset now) => !Stopped && now - LastSeenAt < 3 * Interval;

    /// <summary>
    /// The registration as register_worker.lua stores it: JSON of everything but the consumer (the field's name) and the
    /// last seen time (the script's own clock, kept apart).
    /// </summary>
    internal string ToStored()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("pool", Pool);
            json.WriteString("instance", Instance);
            json.WriteString("host", Host);
            json.WriteNumber("pid", ProcessId);
            json.WriteNumber("started_at", StartedAt.ToUnixTimeMilliseconds());
            json.WriteStartArray("queues");
            foreach (var queue in Queues)
            {
                json.WriteStringValue(queue);
            }

            json.WriteEndArray();
            json.WriteBoolean("stopped", Stopped);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A registration as stored (<see cref="ToStored"/>); null if it is not one (edited by hand), so a page still shows the rest.</summary>
    internal static WorkerRegistration? FromStored(string consumer, string stored, long lastSeenMs)
    {
        try
        {
            using var document = JsonDocument.Parse(stored);
            var root = document.RootElement;
            return new WorkerRegistration(
                consumer,
                root.GetProperty("pool").GetString()!,
                root.GetProperty("instance").GetString()!,
                root.GetProperty("host").GetString()!,
                root.GetProperty("pid").GetInt32(),
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("started_at").GetInt64()),
                DateTimeOffset.FromUnixTimeMilliseconds(lastSeenMs),
                [.. root.GetProperty("queues").EnumerateArray().Select(q => q.GetString()!)])
            {
                Stopped = root.TryGetProperty("stopped", out var stopped) && stopped.ValueKind == JsonValueKind.True,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
