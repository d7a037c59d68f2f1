using System.Net.Sockets;
using System.Text;

namespace JobQueue.Hosting.Orchestration;

/// <summary>
/// Talks to a local redis-server over RESP without a client library (the hosting layer has none): AUTH, then one
/// command, and the command's reply as text. What the health checks and the cluster's creation need, no more.
/// </summary>
internal static class RedisProbe
{
    /// <summary>The reply to <paramref name="command"/> after AUTH (a simple string as is, a bulk string's text), or null if it did not answer or refused.</summary>
    public static async Task<string?> AskAsync(int port, string password, CancellationToken cancellationToken, params string[] command)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync(Resp(["AUTH", password]).Concat(Resp(command)).ToArray(), cancellationToken);
            var reply = new StringBuilder();
            var buffer = new byte[4096];
            while (!IsComplete(reply.ToString()))
            {
                var n = await stream.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    return null;
                }

                reply.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }

            var text = reply.ToString();
            if (!text.StartsWith("+OK\r\n", StringComparison.Ordinal))
            {
                return null;
            }

            var answer = text[5..];
            return answer[0] switch
            {
                '+' => answer[1..^2],
                '$' => answer[(answer.IndexOf("\r\n", StringComparison.Ordinal) + 2)..^2],
                _ => null,
            };
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>Both replies in: AUTH's line, then a simple string, an error, or a bulk string of its announced length.</summary>
    private static bool IsComplete(string reply)
    {
        var first = reply.IndexOf("\r\n", StringComparison.Ordinal);
        if (first < 0 || first + 2 >= reply.Length)
        {
            return false;
        }

        var answer = reply[(first + 2)..];
        var header = answer.IndexOf("\r\n", StringComparison.Ordinal);
        if (header < 0)
        {
            return false;
        }

        return answer[0] != '$' || int.Parse(answer[1..header]) is var length && (length < 0 || Encoding.UTF8.GetByteCount(answer[(header + 2)..]) >= length + 2);
    }

    private static byte[] Resp(string[] parts)
    {
        var text = new StringBuilder($"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
