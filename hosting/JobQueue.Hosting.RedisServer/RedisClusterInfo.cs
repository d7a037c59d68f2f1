namespace Aspire.Hosting.ApplicationModel;

/// <summary>Reads the <c>name:value</c> lines of <c>CLUSTER INFO</c>.</summary>
internal static class RedisClusterInfo
{
    public static string? Field(string? info, string name) =>
        info?.Split("\r\n").FirstOrDefault(line => line.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..];
}
