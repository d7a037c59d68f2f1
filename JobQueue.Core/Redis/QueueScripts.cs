using System.Reflection;

namespace JobQueue.Redis;

/// <summary>The Lua scripts behind every atomic state change, loaded from <c>Redis/Scripts/*.lua</c>.</summary>
public static class QueueScripts
{
    public static readonly string Enqueue = Load("enqueue");
    public static readonly string Claim = Load("claim");
    public static readonly string Complete = Load("complete");
    public static readonly string Renew = Load("renew");

    private static string Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"JobQueue.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"Lua script '{name}' is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
