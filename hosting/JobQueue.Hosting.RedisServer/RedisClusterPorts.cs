using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The ports of a cluster's nodes when none is given: free ones the first time, then the same ones, read from
/// <c>{dataDirectory}/ports</c>, since the nodes know each other by port (<c>nodes.conf</c>): a restarted app whose
/// nodes came back on other ports would find its cluster unable to reach itself.
/// </summary>
internal static class RedisClusterPorts
{
    // A node also listens on its port + 10000 (the cluster bus). Both stay below the ephemeral ports every OS hands out
    // to outgoing connections by default (Linux from 32768, Windows and macOS from 49152): a port there, free when
    // chosen, can be the local end of some connection by the time the node binds it, or restarts.
    private const int Lowest = 10000;
    private const int Highest = 22000;

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

        var ports = new List<int>(count);
        while (ports.Count < count)
        {
            var port = Random.Shared.Next(Lowest, Highest);
            // Neither the port nor its bus port may be taken, by another program or by another node of this cluster.
            if (ports.All(other => Math.Abs(other - port) is not (0 or 10000)) && IsFree(port) && IsFree(port + 10000))
            {
                ports.Add(port);
            }
        }

        RedisServerConfigFile.CreateDirectory(dataDirectory);
        RedisServerConfigFile.Write(path, [string.Join(',', ports.Select(port => port.ToString(CultureInfo.InvariantCulture)))]);
        return [.. ports];
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
