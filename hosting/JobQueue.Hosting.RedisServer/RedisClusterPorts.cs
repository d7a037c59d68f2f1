using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The ports of a cluster's nodes when none is given: free ones the first time, then the same ones, read from
/// <c>{dataDirectory}/ports</c>, since the nodes know each other by port (<c>nodes.conf</c>).
/// </summary>
internal static class RedisClusterPorts
{
    public static int[] LoadOrChoose(string dataDirectory, int count)
    {
        var path = Path.Combine(dataDirectory, "ports");
        if (File.Exists(path))
        {
            int[] kept = [.. File.ReadAllText(path).Trim().Split(',').Select(port => int.Parse(port, CultureInfo.InvariantCulture))];
            if (kept.Length == count)
            {
                return kept;
            }
        }

        // Below 55536: a node also listens on its port + 10000 (the cluster bus).
        int[] ports = [.. Enumerable.Range(0, count).Select(_ => FreeNodePort())];
        RedisServerConfigFile.CreateDirectory(dataDirectory);
        RedisServerConfigFile.Write(path, [string.Join(',', ports.Select(port => port.ToString(CultureInfo.InvariantCulture)))]);
        return ports;
    }

    private static int FreeNodePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 55000);
            if (IsFree(port) && IsFree(port + 10000))
            {
                return port;
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
}
