using System.Net;
using System.Net.Sockets;

namespace JobQueue.Hosting.Orchestration;

public static class PortAllocator
{
    /// <summary>A loopback port free right now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Throws <see cref="PortInUseException"/> if no process could listen on loopback <paramref name="port"/> now.</summary>
    public static void ThrowIfInUse(int port, string owner, string? setting = null)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // As Kestrel and redis-server bind: connections of an earlier process still closing do not count.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new PortInUseException(port, owner, setting);
        }
    }
}
