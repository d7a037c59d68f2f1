namespace Aspire.Hosting.ApplicationModel;

/// <summary>Reads the <c>name:value</c> lines of <c>CLUSTER INFO</c>.</summary>
internal static class RedisClusterInfo
{
    /// <summary>
    /// The value of <paramref name="name"/>. Over RESP3 the reply is a verbatim string, which StackExchange.Redis hands
    /// over with its format prefix (<c>txt:</c>) in front of the first line: skipped.
    /// </summary>
    public static string? Field(string? info, string name)
    {
        if (info is null)
        {
            return null;
        }

        var text = info.StartsWith("txt:", StringComparison.Ordinal) ? info[4..] : info;
        return text.Split('\n').Select(line => line.TrimEnd('\r'))
            .FirstOrDefault(line => line.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..];
    }
}
