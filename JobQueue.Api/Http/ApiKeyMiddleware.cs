using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Http;

/// <summary>
/// Requires <c>X-Api-Key</c> on every request when a key is configured; the index, health checks and the API
/// documentation stay open, the feeds a browser opens take a feed token instead (<see cref="Feeds.FeedTokenAuthenticated"/>),
/// and the queue dashboard has its own guard (<see cref="DashboardMountOptions"/>). A missing or wrong key is a 401 problem.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<ApiOptions> options, IOptions<DashboardMountOptions> dashboard)
{
    public const string HeaderName = "X-Api-Key";

    private readonly string[] _openPaths = ["/health", "/alive", "/openapi", "/docs", .. dashboard.Value.Enabled ? [dashboard.Value.Path] : Array.Empty<string>()];
    private readonly byte[]? _key = options.Value.ApiKey is { Length: > 0 } key ? Encoding.UTF8.GetBytes(key) : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (_key is null || context.Request.Path == "/" || _openPaths.Any(p => context.Request.Path.StartsWithSegments(p))
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
