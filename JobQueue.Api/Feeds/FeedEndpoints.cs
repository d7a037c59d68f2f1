using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Feeds;

/// <summary>
/// Per-owner live feeds: every change of every job of one owner, on any API replica, to any number of devices.
/// <c>POST /feed-tokens</c> (API key: the application's backend) issues a token for an owner;
/// <c>GET /owners/{owner}/events</c> (SSE; resume with <c>Last-Event-ID</c>) and <c>GET /owners/{owner}/ws</c>
/// (WebSocket; resume with <c>?after=</c>) take that token instead of the API key. And a queue's feed for backend
/// listeners: <c>GET /queues/{name}/events</c> (SSE; API key; resume with <c>Last-Event-ID</c>).
/// </summary>
public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/feed-tokens", IssueTokenAsync).WithTags("Feeds")
            .WithSummary("Issue a short-lived token that opens one owner's feed: {\"owner\": \"user-1\"}. For the application's backend, which hands it to the user's browser.")
            .Accepts<FeedTokenRequest>("application/json")
            .Produces<FeedToken>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        routes.MapGet("/owners/{owner}/events", ServerSentEventsAsync).WithTags("Feeds")
            .WithMetadata(new FeedTokenAuthenticated())
            .WithSummary("Follow every job of an owner over Server-Sent Events (feed token as access_token or Bearer)")
            .WithDescription("First the jobs changed since Last-Event-ID (or ?after=; without either, the 100 most recently changed), then every change. Each `job` event's id is its change time (ms); job_id + version tell a repeat from news.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        routes.MapGet("/owners/{owner}/ws", WebSocketAsync).WithTags("Feeds")
            .WithMetadata(new FeedTokenAuthenticated())
            .WithSummary("Follow every job of an owner over a WebSocket (feed token as access_token; resume with ?after=<at>)")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        routes.MapGet("/queues/{name}/events", QueueEventsAsync).WithTags("Feeds")
            .WithSummary("Follow every change of a queue's jobs over Server-Sent Events, resumable from the queue's event log")
            .WithDescription("Each event is named for what happened (the job's new status, or progress) and its id is its entry in the event log: send it back as Last-Event-ID (or ?after=) to resume; without one, the feed starts at the log's end (?after=0-0: everything the log holds).")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    private static async Task QueueEventsAsync(string name, HttpContext http, QueueDirectory queues, QueueControls controls, QueueEventFeed feed)
    {
        var queue = queues.Keys(await QueueLookup.FindAsync(queues, name));
        var after = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["after"].FirstOrDefault();
        if (after is not null && !StreamEntryId.TryParse(after, out _))
        {
            throw ProblemException.BadRequest("Invalid event id", "An event id (Last-Event-ID, after) is an entry id of the event log, such as 1700000000000-0.");
        }

        if (await queues.PartitionCountAsync(queue.Name) is var partitions and > 1)
        {
            // Each partition logs its own events, numbered by its own clock: no one resume point orders them all.
            throw new ProblemException(StatusCodes.Status409Conflict, "Queue partitioned",
                $"Queue {queue.Name} is spread over {partitions} partitions, each with its own event log, so one feed could not resume in order: follow owners' feeds or single jobs instead.");
        }

        if ((await controls.GetAsync(queue.Name)).EventLogLength == 0)
        {
            throw new ProblemException(StatusCodes.Status409Conflict, "Event log off",
                $"Queue {queue.Name} keeps no event log, so its feed could not resume: turn it on with PUT /queues/{queue.Name}/event-log.");
        }

        LiveConnections.StartEventStream(http.Response);
        await foreach (var item in feed.FollowAsync(queue, after, http.Abort, http.RequestAborted))
        {
            await LiveConnections.WriteEventAsync(http.Response, item?.Event ?? "", item?.EventId,
                item is null ? null : JsonSerializer.Serialize(item, ApiJsonContext.Default.QueueEventView), http.RequestAborted);
        }
    }

    private static async Task<IResult> IssueTokenAsync(HttpRequest request, FeedTokens tokens, IOptions<ApiOptions> options)
    {
        using var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, request.HttpContext.RequestAborted);
        return TypedResults.Json(tokens.Issue(FeedTokenRequest.OwnerOf(body.RootElement)), ApiJsonContext.Default.FeedToken);
    }

    private static async Task ServerSentEventsAsync(string owner, HttpContext http, OwnerFeed feed)
    {
        var after = await AuthorizeAsync(http, owner, http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["after"].FirstOrDefault());
        LiveConnections.StartEventStream(http.Response);
        await foreach (var state in feed.FollowAsync(owner, after, http.Abort, http.RequestAborted))
        {
            await LiveConnections.WriteEventAsync(http.Response, "job", state?.At.ToString(),
                state is null ? null : JsonSerializer.Serialize(state, ApiJsonContext.Default.OwnerFeedEvent), http.RequestAborted);
        }
    }

    private static async Task WebSocketAsync(string owner, HttpContext http, OwnerFeed feed)
    {
        LiveConnections.RequireWebSocket(http);
        var after = await AuthorizeAsync(http, owner, http.Request.Query["after"].FirstOrDefault());
        await LiveConnections.SendOverWebSocketAsync(http, Messages, "feed closed");

        async IAsyncEnumerable<byte[]?> Messages([EnumeratorCancellation] CancellationToken closed)
        {
            await foreach (var state in feed.FollowAsync(owner, after, http.Abort, closed))
            {
                yield return state is null ? null : JsonSerializer.SerializeToUtf8Bytes(state, ApiJsonContext.Default.OwnerFeedEvent);
            }
        }
    }

    /// <summary>The resume point, once the owner is valid (400), the token good (401) and the owner's (403).</summary>
    private static async Task<long?> AuthorizeAsync(HttpContext http, string owner, string? after)
    {
        FeedTokenRequest.ValidOwner(owner);
        var tokenOwner = await http.FeedTokenOwnerAsync();
        FeedAuthentication.RequireOwner(tokenOwner, owner);
        if (after is null)
        {
            return null;
        }

        return long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : throw ProblemException.BadRequest("Invalid event id", "An event id (Last-Event-ID, after) is the 'at' of an event: a number of milliseconds.");
    }
}

/// <summary>The body of <c>POST /feed-tokens</c> (and of the submission page's sign-in): <c>{"owner": "user-1"}</c>.</summary>
public sealed record FeedTokenRequest(string Owner)
{
    /// <summary>The owner the body names; a 400 problem for any other body or an invalid owner.</summary>
    public static string OwnerOf(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || body.EnumerateObject().Count() != 1
            || !body.TryGetProperty("owner", out var owner) || owner.ValueKind != JsonValueKind.String)
        {
            throw ProblemException.BadRequest("Invalid token request", "The body is {\"owner\": \"<owner>\"}.");
        }

        return ValidOwner(owner.GetString());
    }

    public static string ValidOwner(string? owner) => JobOwner.IsValid(owner)
        ? owner!
        : throw ProblemException.BadRequest("Invalid owner", $"An owner is {JobOwner.Rule}.");
}
