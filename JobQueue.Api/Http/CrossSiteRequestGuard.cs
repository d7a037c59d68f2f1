namespace JobQueue.Api.Http;

/// <summary>
/// Refuses, with 403 as a problem, a request that changes state (any method but GET, HEAD and OPTIONS) sent by a
/// browser on behalf of a page of another origin. A browser sends some such requests without asking first: a form
/// post, or a fetch with no body or a text body; without an API key (Development, or behind a gateway) a page on any
/// site could otherwise pause a queue or retry dead letters in the name of whoever opened it. The browser says where a
/// request comes from: <c>Sec-Fetch-Site</c> (every current browser), else <c>Origin</c>, compared with the host the
/// request was sent to. A request with neither is not a browser's cross-site request (curl, an HTTP client, a
/// backend) and passes. Same-origin pages, such as the submission page at <c>/app</c>, pass.
/// </summary>
public sealed class CrossSiteRequestGuard(RequestDelegate next, ILogger<CrossSiteRequestGuard> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || IsSameOrigin(request))
        {
            return next(context);
        }

        logger.LogInformation("Refused a cross-site {Method} {Path} from {Origin}", request.Method, request.Path,
            request.Headers.Origin.FirstOrDefault() ?? request.Headers["Sec-Fetch-Site"].FirstOrDefault());
        return TypedResults.Problem(
            "A page of another site may not change anything here. Call the API from your backend, or from a page served by this API.",
            statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused").ExecuteAsync(context);
    }

    private static bool IsSameOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].FirstOrDefault() is { } site)
        {
            // "none": the user typed or bookmarked it; "same-site" is another origin all the same (a sibling subdomain).
            return site is "same-origin" or "none";
        }

        return request.Headers.Origin.FirstOrDefault() is not { } origin
            || Uri.TryCreate(origin, UriKind.Absolute, out var from) && string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
