using System.Net;
using System.Net.Sockets;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A TCP hop between a browser and an API replica that a test can cut, as a network drop does (every connection reset,
/// new ones refused), and restore on the same port.
/// </summary>
public sealed class CuttableProxy : IAsyncDisposable
{
    private readonly int _target;
    private readonly List<TcpClient> _connections = [];
    private TcpListener _listener;
    private Task _accepting;

    public CuttableProxy(int target)
    {
        _target = target;
        _listener = Listen(0);
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync(_listener);
    }

    public Uri Url { get; }

    /// <summary>Resets every connection through the hop and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Client.LingerState = new LingerOption(true, 0); // close with RST, not FIN
                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    public void Restore()
    {
        _listener = Listen(Url.Port);
        _accepting = AcceptAsync(_listener);
    }

    private static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        return listener;
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync();
                var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, _target);
                lock (_connections)
                {
                    _connections.AddRange([client, upstream]);
                }

                _ = PumpAsync(client, upstream);
                _ = PumpAsync(upstream, client);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Cut or disposed.
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Cut();
        await _accepting;
    }
}
