using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

/// <summary>The AppHost's fixed ports, each read from a setting and checked free before anything starts.</summary>
internal static class PortSettings
{
    /// <summary>
    /// The port in <paramref name="setting"/> (else <paramref name="defaultPort"/>). When running (not publishing) and
    /// another process holds it, throws <see cref="PortInUseException"/> naming the setting: Aspire would otherwise
    /// start everything else and fail one resource deep in its logs.
    /// </summary>
    public static int GetPort(this IDistributedApplicationBuilder builder, string setting, int defaultPort)
    {
        var port = builder.Configuration.GetValue(setting, defaultPort);
        if (builder.ExecutionContext.IsRunMode && !IsFree(port))
        {
            throw new PortInUseException(port, setting);
        }

        return port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // As Kestrel, DCP and redis-server bind: connections of an earlier process still closing do not count.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}
