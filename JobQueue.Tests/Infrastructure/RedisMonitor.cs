using System.Net.Sockets;
using System.Text;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Redis's MONITOR on a connection of its own: every command the server runs, in order, each line naming the client
/// that sent it (<c>1700000000.000001 [0 127.0.0.1:50000] "BZPOPMIN" ...</c>; commands a script runs show as
/// <c>[0 lua]</c>). StackExchange.Redis does not speak MONITOR, so this reads the protocol's replies itself.
/// </summary>
public sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly Task _reading;
    private readonly List<string> _lines = [];

    private RedisMonitor(TcpClient client, StreamReader reader)
    {
        (_client, _reader) = (client, reader);
        _reading = ReadAsync();
    }

    /// <summary>Starts monitoring the server of <paramref name="connectionString"/> ("host:port,password=...").</summary>
    public static async Task<RedisMonitor> StartAsync(string connectionString)
    {
        var parts = connectionString.Split(',');
        var endpoint = parts[0].Split(':');
        var password = parts.Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "password")?[1];
        var client = new TcpClient();
        await client.ConnectAsync(endpoint[0], int.Parse(endpoint[1]));
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.UTF8);
        if (password is not null)
        {
            await SendAsync(stream, "AUTH", password);
            Expect(await reader.ReadLineAsync(), "+OK");
        }

        await SendAsync(stream, "MONITOR");
        Expect(await reader.ReadLineAsync(), "+OK");
        return new RedisMonitor(client, reader);
    }

    /// <summary>The lines seen so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReadAsync()
    {
        while (await _reader.ReadLineAsync() is { } line)
        {
            lock (_lines)
            {
                _lines.Add(line.TrimStart('+'));
            }
        }
    }

    private static Task SendAsync(NetworkStream stream, params string[] command)
    {
        var text = new StringBuilder($"*{command.Length}\r\n");
        foreach (var part in command)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString())).AsTask();
    }

    private static void Expect(string? reply, string expected)
    {
        if (reply != expected)
        {
            throw new InvalidOperationException($"Redis answered {reply} where {expected} was expected.");
        }
    }
}
