using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Http;

/// <summary>
/// Requires <c>X-Api-Key</c> on every request when a key is configured; health checks and the API
/// documentation stay open, and the feeds a browser opens take a feed token instead
/// (<see cref="Feeds.FeedTokenAuthenticated"/>). A missing or wrong key is a 401 problem.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<ApiOptions> options)
{
    public const string HeaderName = "X-Api-Key";

    private static readonly string[] OpenPaths = ["/health", "/alive", "/openapi", "/docs"];
    private readonly byte[]? _key = options.Value.ApiKey is { Length: > 0 } key ? Encoding.UTF8.GetBytes(key) : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (_key is null || OpenPaths.Any(p => context.Request.Path.StartsWithSegments(p))
            || context.GetEndpoint()?.Metadata.GetMetadata<Feeds.FeedTokenAuthenticated>() is not null
            || Matches(context.Request.Headers[HeaderName]))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = "ApiKey header=\"" + HeaderName + "\"";
        return TypedResults.Problem($"Send the API key in the {HeaderName} header.",
            statusCode: StatusCodes.Status401Unauthorized, title: "API key required").ExecuteAsync(context);
    }

    private bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
}
