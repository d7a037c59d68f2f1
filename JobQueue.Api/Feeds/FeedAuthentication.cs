using JobQueue.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JobQueue.Api.Feeds;

/// <summary>
/// Checks feed tokens with ASP.NET Core's JWT bearer handler (scheme <see cref="Scheme"/>): signature, issuer, audience
/// and lifetime. A browser cannot set headers on a WebSocket or an EventSource, so the token may also come as the
/// <c>access_token</c> query parameter, as SignalR takes it. A refusal is a 401 (no token, or one that is forged,
/// expired or malformed) or a 403 (a good token of another owner), each a problem that says which.
/// </summary>
public static class FeedAuthentication
{
    public const string Scheme = "FeedToken";
    private const string QueryParameter = "access_token";

    public static IServiceCollection AddFeedAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<FeedTokens>();
        services.AddAuthentication().AddJwtBearer(Scheme);
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<FeedTokens>((bearer, tokens) =>
        {
            bearer.MapInboundClaims = false;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = FeedTokens.Issuer,
                ValidAudience = FeedTokens.Audience,
                IssuerSigningKey = tokens.Key,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = TimeSpan.FromSeconds(5),
            };
            bearer.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    if (context.Request.Query.TryGetValue(QueryParameter, out var token))
                    {
                        context.Token = token.ToString();
                    }

                    return Task.CompletedTask;
                },
            };
        });
        return services;
    }

    /// <summary>The owner whose feed the request's token opens; a 401 problem if it carries no good feed token.</summary>
    public static async Task<string> FeedTokenOwnerAsync(this HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (result.Succeeded && result.Principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value is { } owner)
        {
            return owner;
        }

        var (error, detail) = result.Failure switch
        {
            null => ("", $"Send a feed token of the owner as '{QueryParameter}' or as 'Authorization: Bearer <token>'. The application's backend gets one from POST /feed-tokens."),
            SecurityTokenExpiredException => ("invalid_token", "The feed token has expired: ask the backend for a new one."),
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
                ("invalid_token", "The feed token's signature is not valid: it was not issued by this API."),
            _ => ("invalid_token", "The feed token is not a valid JobQueue feed token."),
        };
        throw ProblemException.Unauthorized(error == "" ? "Feed token required" : "Feed token refused", detail,
            error == "" ? "Bearer" : $"Bearer error=\"{error}\"");
    }

    /// <summary>A 403 problem unless the token's owner is <paramref name="owner"/>.</summary>
    public static void RequireOwner(string tokenOwner, string? owner)
    {
        if (owner is null || tokenOwner != owner)
        {
            throw ProblemException.Forbidden("Not your feed", owner is null
                ? "This job has no owner, so no feed token opens it."
                : "The feed token was issued for another owner.");
        }
    }
}

/// <summary>Marks an endpoint a feed token opens instead of the API key (a browser never holds the API key).</summary>
public sealed class FeedTokenAuthenticated;
