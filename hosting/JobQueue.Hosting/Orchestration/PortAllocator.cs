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
}
