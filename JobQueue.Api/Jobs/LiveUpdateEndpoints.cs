using System.Net.WebSockets;
using System.Text.Json;
using JobQueue.Api.Http;
using JobQueue.Redis;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Push instead of polling: <c>GET /jobs/{id}/events</c> (Server-Sent Events) and
/// <c>GET /jobs/{id}/ws</c> (WebSocket) send the job's state at once, then every change, and close after a
/// terminal state. Idle connections get keep-alive pings (an SSE comment; a WebSocket ping frame).
/// </summary>
public static class LiveUpdateEndpoints
{
    public static IEndpointRouteBuilder MapLiveUpdateEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/jobs/{id}/events", ServerSentEventsAsync)
            .WithSummary("Follow a job over Server-Sent Events")
            .WithDescription("Each `job` event carries the job's state (job_id, version, status, attempts, progress, result, error); the stream ends after done, failed or canceled.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        routes.MapGet("/jobs/{id}/ws", WebSocketAsync)
            .WithSummary("Follow a job over a WebSocket")
            .WithDescription("Each text message is the job's state as JSON; the server closes the socket after done, failed or canceled.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task ServerSentEventsAsync(string id, HttpContext http, JobStore store, JobFollower follower)
    {
        var job = await JobLookup.FindAsync(store, id);
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await foreach (var state in follower.FollowAsync(job.Id, http.RequestAborted))
        {
            await response.WriteAsync(state is null
                ? ": keep-alive\n\n"
                : $"event: job\ndata: {JsonSerializer.Serialize(state, ApiJsonContext.Default.JobStateView)}\n\n", http.RequestAborted);
            await response.Body.FlushAsync(http.RequestAborted);
        }
    }

    private static async Task WebSocketAsync(string id, HttpContext http, JobStore store, JobFollower follower)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw ProblemException.BadRequest("Not a WebSocket request", "Connect with a WebSocket client (Upgrade: websocket).");
        }

        var job = await JobLookup.FindAsync(store, id);

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var reading = DrainUntilClosedAsync(socket, closed);
        try
        {
            await foreach (var state in follower.FollowAsync(job.Id, closed.Token))
            {
                if (state is not null)
                {
                    var bytes = JsonSerializer.SerializeToUtf8Bytes(state, ApiJsonContext.Default.JobStateView);
                    await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, closed.Token);
                }
            }

            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "job finished", CancellationToken.None);
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
