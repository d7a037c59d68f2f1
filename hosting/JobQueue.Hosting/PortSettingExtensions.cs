using JobQueue.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;

namespace JobQueue.Hosting;

public static class PortSettingExtensions
{
    /// <summary>
    /// A fixed port read from configuration (<paramref name="setting"/>, else <paramref name="defaultPort"/>). If
    /// another process holds it, this throws <see cref="PortInUseException"/> naming the setting, before anything
    /// starts. Not checked when ports are randomized (under test), where a free one replaces it anyway, nor when publishing.
    /// </summary>
    public static int GetPort(this IDistributedApplicationBuilder builder, string setting, int defaultPort)
    {
        var port = builder.Configuration.GetValue(setting, defaultPort);
        if (!builder.RandomizePorts && builder.ExecutionContext.IsRunMode)
        {
            PortAllocator.ThrowIfInUse(port, setting, setting);
        }

        return port;
    }
}
