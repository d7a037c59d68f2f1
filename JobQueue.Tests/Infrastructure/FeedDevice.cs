using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using JobQueue.Client;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// One device following an owner's feed over a WebSocket, as a browser does (token and resume point in the query):
/// it collects every message in the background until disposed or cut.
/// </summary>
public sealed class FeedDevice : IAsyncDisposable
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly ClientWebSocket _socket = new();
    private readonly List<OwnerUpdate> _received = [];
    private Task _receiving = Task.CompletedTask;

    public static async Task<FeedDevice> ConnectAsync(Uri replica, string owner, string token, long? after = null)
    {
        var device = new FeedDevice();
        var query = $"access_token={Uri.EscapeDataString(token)}" + (after is { } at ? $"&after={at}" : "");
        await device._socket.ConnectAsync(new Uri($"ws://{replica.Authority}/owners/{owner}/ws?{query}"), CancellationToken.None);
        device._receiving = device.ReceiveAsync();
        return device;
    }

    /// <summary>Open while the server keeps the device connected.</summary>
    public WebSocketState State => _socket.State;

    /// <summary>Every message so far, in the order received.</summary>
    public IReadOnlyList<OwnerUpdate> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The last state received of each job.</summary>
    public IReadOnlyDictionary<string, OwnerUpdate> Latest =>
        Received.GroupBy(u => u.JobId).ToDictionary(g => g.Key, g => g.MaxBy(u => u.Version)!);

    /// <summary>Waits until each of <paramref name="jobIds"/> has reached a final state on this device.</summary>
    public Task WaitForFinalAsync(IEnumerable<string> jobIds, TimeSpan timeout) =>
        Eventually.WaitAsync(() => Task.FromResult(Latest), latest => jobIds.All(id => latest.TryGetValue(id, out var u) && u.IsFinished),
            timeout, "every job to reach its final state on the device");

    /// <summary>Cuts the connection without a close handshake, as a network drop does.</summary>
    public void Cut() => _socket.Abort();

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var message = new StringBuilder();
                WebSocketReceiveResult received;
                do
                {
                    received = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
                }
                while (!received.EndOfMessage);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                lock (_received)
                {
                    _received.Add(JsonSerializer.Deserialize<OwnerUpdate>(message.ToString(), SnakeCase)!);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Cut or disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
    }
}
