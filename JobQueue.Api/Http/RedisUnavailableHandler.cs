using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace JobQueue.Api.Http;

/// <summary>Turns a Redis outage into 503 with Retry-After instead of a 500: the client should simply try again.</summary>
public sealed class RedisUnavailableHandler(IProblemDetailsService problems, ILogger<RedisUnavailableHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (RedisConnectionException or RedisTimeoutException))
        {
            return false;
        }

        logger.LogWarning("Redis is unavailable, answering 503: {Reason}", exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The job store is unavailable",
                Detail = $"Redis cannot be reached right now; nothing was written. Retry in {RetryAfterSeconds} s.",
            },
        });
    }
}
