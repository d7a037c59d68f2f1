using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Http;

/// <summary>
/// A token bucket per client (its API key, else its address) on submissions: <c>Api:SubmitRateLimit</c> per
/// second, bursts up to twice that. Over it: 429 with Retry-After, as a problem, and nothing written.
/// </summary>
public static class SubmissionRateLimit
{
    public const string Policy = "submissions";

    public static IServiceCollection AddSubmissionRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context =>
            {
                var perSecond = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.SubmitRateLimit;
                var client = context.Request.Headers[ApiKeyMiddleware.HeaderName].FirstOrDefault()
                    ?? context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond * 2,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem($"Too many submissions from this client; retry in {retryAfter} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Rate limit exceeded").ExecuteAsync(rejected.HttpContext);
            };
        });
}
