using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JobQueue.Api.Feeds;

/// <summary>
/// Issues the short-lived signed tokens (JWT, HS256) that open an owner's feed: an application's backend asks for one
/// for the user it has signed in and hands it to the browser, which never holds the API key. ASP.NET Core's JWT
/// bearer handler checks them (<see cref="FeedAuthentication"/>); the token's subject is the owner.
/// </summary>
public sealed class FeedTokens
{
    public const string Issuer = "jobqueue";
    public const string Audience = "jobqueue-feeds";

    private readonly FeedOptions _options;
    private readonly TimeProvider _clock;
    private readonly JsonWebTokenHandler _handler = new();

    public FeedTokens(IOptions<FeedOptions> options, TimeProvider clock, ILogger<FeedTokens> logger)
    {
        (_options, _clock) = (options.Value, clock);
        if (_options.SigningKey is { } key)
        {
            Key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key));
        }
        else
        {
            Key = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
            logger.LogWarning("No Api:Feeds:SigningKey is set: feed tokens this process issues open feeds on this process only");
        }
    }

    /// <summary>The key tokens are signed and checked with.</summary>
    public SymmetricSecurityKey Key { get; }

    public FeedToken Issue(string owner)
    {
        var now = _clock.GetUtcNow();
        var expires = now + _options.TokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, owner)]),
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
        return new FeedToken(token, owner, expires);
    }
}

/// <summary>What <c>POST /feed-tokens</c> answers: the token, whose feed it opens, and until when.</summary>
public sealed record FeedToken(string Token, string Owner, DateTimeOffset ExpiresAt);
