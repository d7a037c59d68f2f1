using System.Net.WebSockets;

namespace JobQueue.Api.Http;

/// <summary>
/// The two ways the API pushes to a client, written once: Server-Sent Events (<c>event:</c>, <c>id:</c>, <c>data:</c>,
/// and <c>: keep-alive</c> comments) and WebSocket text messages (pings come from the WebSocket middleware's keep-alive).
/// </summary>
public static class LiveConnections
{
    /// <summary>Starts an event stream: no caching, no proxy buffering.</summary>
    public static void StartEventStream(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>Writes one event (<paramref name="json"/> null: a keep-alive comment) and flushes it.</summary>
    public static async Task WriteEventAsync(HttpResponse response, string name, string? id, string? json, CancellationToken cancellationToken)
    {
        await response.WriteAsync(json is null ? ": keep-alive\n\n"
            : id is null ? $"event: {name}\ndata: {json}\n\n"
            : $"id: {id}\nevent: {name}\ndata: {json}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Accepts the WebSocket and sends each message (null ones are skipped: the socket pings by itself), until the
    /// messages end (then it closes the socket, saying <paramref name="closeReason"/>) or the client goes away.
    /// </summary>
    public static async Task SendOverWebSocketAsync(HttpContext http, Func<CancellationToken, IAsyncEnumerable<byte[]?>> messages, string closeReason)
    {
        RequireWebSocket(http);
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var reading = DrainUntilClosedAsync(socket, closed);
        try
        {
            await foreach (var message in messages(closed.Token))
            {
                if (message is not null)
                {
                    await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, closed.Token);
                }
            }

            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, closeReason, CancellationToken.None);
            // Let the client answer the close, so the handshake completes cleanly.
            await reading.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        }
        catch (TimeoutException)
        {
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away.
        }

        await closed.CancelAsync();
        await reading;
    }

    /// <summary>A 400 problem unless the request asks for a WebSocket: checked first, before what it asks for.</summary>
    public static void RequireWebSocket(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw ProblemException.BadRequest("Not a WebSocket request", "Connect with a WebSocket client (Upgrade: websocket).");
        }
    }

    /// <summary>Reads (and ignores) what the client sends, to notice when it closes the socket.</summary>
    private static async Task DrainUntilClosedAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                if ((await socket.ReceiveAsync(buffer, closed.Token)).MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        await closed.CancelAsync();
    }
}
