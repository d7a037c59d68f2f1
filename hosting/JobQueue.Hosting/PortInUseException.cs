namespace JobQueue.Hosting;

/// <summary>
/// A fixed port the app needs is taken by another process, found before anything starts (not as a stack
/// trace from whichever process loses the race). <see cref="Setting"/> names the configuration key that
/// chooses the port, where the code that asked for it knows one.
/// </summary>
public sealed class PortInUseException(int port, string owner, string? setting = null)
    : DistributedApplicationException(
        $"Port {port} ({owner}) is already in use by another process" +
        (setting is null ? "." : $": choose another with --{setting}=<port>."))
{
    public int Port => port;

    /// <summary>The resource (or the dashboard's listener) that asked for the port.</summary>
    public string Owner => owner;

    public string? Setting => setting;
}
