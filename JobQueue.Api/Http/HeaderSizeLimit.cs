namespace JobQueue.Api.Http;

/// <summary>
/// Refuses requests whose headers add up to more than <see cref="MaxBytes"/> with 431 as a problem. Kestrel's
/// own limit would answer with an empty body before the app runs, so Kestrel's is raised and this one applies.
/// </summary>
public sealed class HeaderSizeLimit(RequestDelegate next)
{
    public const int MaxBytes = 32 * 1024;

    /// <summary>Kestrel's ceiling, above <see cref="MaxBytes"/> so that oversized headers reach this middleware.</summary>
    public const int TransportMaxBytes = 256 * 1024;

    public Task InvokeAsync(HttpContext context)
    {
        var size = context.Request.Headers.Sum(h => h.Key.Length + h.Value.Sum(v => v?.Length ?? 0) + 4);
        return size <= MaxBytes
            ? next(context)
            : TypedResults.Problem($"The request headers add up to {size} bytes; the limit is {MaxBytes}.",
                statusCode: StatusCodes.Status431RequestHeaderFieldsTooLarge, title: "Request headers too large").ExecuteAsync(context);
    }
}
