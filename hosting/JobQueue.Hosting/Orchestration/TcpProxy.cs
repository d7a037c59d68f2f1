using System.Net;
using System.Net.Sockets;

namespace JobQueue.Hosting.Orchestration;

/// <summary>
/// Spreads connections to one endpoint over a resource's replicas, round-robin, skipping replicas that
/// refuse (stopped or restarting): what Aspire's proxy does for a replicated project.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IReadOnlyList<int> _targets;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private int _next;

    public TcpProxy(int port, IReadOnlyList<int> targets)
    {
        _targets = targets;
        _listener = new TcpListener(IPAddress.Loopback, port);
        // As Kestrel and redis-server bind: a port chosen free a moment ago may meanwhile be the local end of some
        // process's outgoing connection (ephemeral ports come from the same range); only another listener should stop us.
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
                _ = ForwardAsync(client);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        {
            using var upstream = await ConnectToAnyReplicaAsync();
            if (upstream is null)
            {
                return;
            }

            var a = client.GetStream();
            var b = upstream.GetStream();
            // A failure either way (a replica killed mid-request) closes both sides, so the client learns at once.
            void Abort()
            {
                client.Client.Close();
                upstream.Client.Close();
            }

            await Task.WhenAll(PipeAsync(a, b, upstream.Client, Abort), PipeAsync(b, a, client.Client, Abort));
        }
    }

    private async Task<TcpClient?> ConnectToAnyReplicaAsync()
    {
        for (var tried = 0; tried < _targets.Count; tried++)
        {
            var port = _targets[(int)((uint)Interlocked.Increment(ref _next) % _targets.Count)];
            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, port, _stopping.Token);
                return upstream;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                upstream.Dispose();
            }
        }

        return null;
    }

    /// <summary>Copies one direction; at its end half-closes the other side, as the sender did.</summary>
    private async Task PipeAsync(Stream from, Stream to, Socket toSocket, Action abort)
    {
        try
        {
            await from.CopyToAsync(to, _stopping.Token);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }
}
