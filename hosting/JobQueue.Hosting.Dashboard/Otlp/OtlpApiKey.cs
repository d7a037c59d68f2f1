using System.Security.Cryptography;
using System.Text;

namespace JobQueue.Hosting.Dashboard.Otlp;

/// <summary>The key every OTLP request must carry in <c>x-otlp-api-key</c> (generated per run, like Aspire's).</summary>
public sealed class OtlpApiKey(string key)
{
    public const string HeaderName = "x-otlp-api-key";

    public string Value => key;

    public bool Matches(string? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(key));
}
