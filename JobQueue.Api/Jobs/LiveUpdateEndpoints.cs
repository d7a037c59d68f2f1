using System.Runtime.CompilerServices;
using System.Text.Json;
using JobQueue.Api.Feeds;
using JobQueue.Api.Http;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Push instead of polling: <c>GET /jobs/{id}/events</c> (Server-Sent Events) and
/// <c>GET /jobs/{id}/ws</c> (WebSocket) send the job's state at once, then every change, and close after a
/// terminal state. Idle connections get keep-alive pings (an SSE comment; a WebSocket ping frame). With
/// <c>Api:Feeds:RequireTokenForJobs</c>, they take a feed token of the job's owner instead of the API key.
/// </summary>
public static class LiveUpdateEndpoints
{
    public static IEndpointRouteBuilder MapLiveUpdateEndpoints(this IEndpointRouteBuilder routes)
    {
        var requireToken = routes.ServiceProvider.GetRequiredService<IOptions<FeedOptions>>().Value.RequireTokenForJobs;
        var events = routes.MapGet("/jobs/{id}/events", ServerSentEventsAsync)
            .WithSummary("Follow a job over Server-Sent Events")
            .WithDescription("Each `job` event carries the job's state (job_id, version, status, attempts, progress, result, error); the stream ends after done, failed or canceled.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        var socket = routes.MapGet("/jobs/{id}/ws", WebSocketAsync)
            .WithSummary("Follow a job over a WebSocket")
            .WithDescription("Each text message is the job's state as JSON; the server closes the socket after done, failed or canceled.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        if (requireToken)
        {
            events.WithMetadata(new FeedTokenAuthenticated());
            socket.WithMetadata(new FeedTokenAuthenticated());
        }

        return routes;
    }

    private static async Task ServerSentEventsAsync(string id, HttpContext http, JobStore store, JobFollower follower, IOptions<FeedOptions> feeds)
    {
        var job = await FindAsync(id, http, store, feeds.Value);
        LiveConnections.StartEventStream(http.Response);
        await foreach (var state in follower.FollowAsync(job.Id, http.RequestAborted))
        {
            await LiveConnections.WriteEventAsync(http.Response, "job", null,
                state is null ? null : JsonSerializer.Serialize(state, ApiJsonContext.Default.JobStateView), http.RequestAborted);
        }
    }

    private static async Task WebSocketAsync(string id, HttpContext http, JobStore store, JobFollower follower, IOptions<FeedOptions> feeds)
    {
        LiveConnections.RequireWebSocket(http);
        var job = await FindAsync(id, http, store, feeds.Value);
        await LiveConnections.SendOverWebSocketAsync(http, closed => Messages(job.Id, closed), "job finished");

        async IAsyncEnumerable<byte[]?> Messages(string jobId, [EnumeratorCancellation] CancellationToken closed)
        {
            await foreach (var state in follower.FollowAsync(jobId, closed))
            {
                yield return state is null ? null : JsonSerializer.SerializeToUtf8Bytes(state, ApiJsonContext.Default.JobStateView);
            }
        }
    }

    /// <summary>The job, once the request may follow it: with tokens required, the token first (401), then the job (404), then its owner (403).</summary>
    private static async Task<JobRecord> FindAsync(string id, HttpContext http, JobStore store, FeedOptions feeds)
    {
        var tokenOwner = feeds.RequireTokenForJobs ? await http.FeedTokenOwnerAsync() : null;
        var job = await JobLookup.FindAsync(store, id);
        if (tokenOwner is not null)
        {
            FeedAuthentication.RequireOwner(tokenOwner, job.Owner);
        }

        return job;
    }
}
