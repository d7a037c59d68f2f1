using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// One of <see cref="QueueScripts"/>, sent by its SHA1 (<c>EVALSHA</c>). StackExchange.Redis sends a script given as text
/// by its SHA1 too, but finds that by hashing the whole text on every call (24-30 KB with the prelude): about a
/// microsecond of the API's and the worker's CPU per call. A server that does not hold the script (restarted, failed
/// over, new to the cluster) answers NOSCRIPT, and that call goes as text, which loads the script there.
/// </summary>
internal sealed class QueueScript(string text)
{
    private readonly byte[] _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));

    public string Text { get; } = text;

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[]? keys = null, RedisValue[]? args = null)
    {
        try
        {
            return await db.ScriptEvaluateAsync(_sha1, keys, args);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(Text, keys, args);
        }
    }
}
