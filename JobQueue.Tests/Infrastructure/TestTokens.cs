using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Feed tokens made by hand (HS256 JWTs), to present the API with good ones of a known key and bad ones it must refuse:
/// forged (another key), expired, of another owner. The test apps run with <see cref="SigningKey"/>.
/// </summary>
public static class TestTokens
{
    public const string SigningKey = "test-feed-signing-key-0123456789abcdef";

    public static string For(string owner, DateTimeOffset? expires = null, string key = SigningKey)
    {
        var exp = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).ToUnixTimeSeconds();
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}""");
        var payload = Base64Url(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["sub"] = owner, ["iss"] = "jobqueue", ["aud"] = "jobqueue-feeds", ["exp"] = exp, ["nbf"] = exp - 7200, ["iat"] = exp - 7200,
        }));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(header + "." + payload));
        return header + "." + payload + "." + Base64Url(signature);
    }

    public static string Expired(string owner) => For(owner, DateTimeOffset.UtcNow.AddMinutes(-10));

    public static string Forged(string owner) => For(owner, key: "not-the-key-of-this-api-0123456789abcdef");

    private static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
