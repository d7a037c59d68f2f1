using System.Net;
using System.Net.Sockets;

namespace JobQueue.Hosting.Orchestration;

public static class PortAllocator
{
    // Below Linux's ephemeral range (32768 and up): a port the OS picked there can be taken as the local port of some
    // outgoing connection before its owner binds it ("address already in use" at start-up, seen in the test suite).
    private const int First = 10_000;
    private const int End = 22_768; // a cluster node's bus port (its port + 10,000) stays below the ephemeral range too
    private static readonly HashSet<int> Given = [];

    /// <summary>A loopback port free right now, never given twice by this process.</summary>
    public static int FreePort() => Pick(port => IsFree(port));

    /// <summary>A port for a Redis Cluster node: it and its cluster bus port (its port + 10,000) free right now.</summary>
    public static int FreeClusterNodePort() => Pick(port => IsFree(port) && IsFree(port + 10_000));

    private static int Pick(Func<int, bool> free)
    {
        lock (Given)
        {
            while (true)
            {
                var port = Random.Shared.Next(First, End);
                if (!Given.Contains(port) && free(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
