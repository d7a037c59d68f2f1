/// <summary>
/// A fixed port the app needs is taken by another process, found before anything starts (not as a failure of
/// whichever process loses the race). The message names the setting that chooses the port.
/// </summary>
internal sealed class PortInUseException(int port, string setting)
    : Exception($"Port {port} ({setting}) is already in use by another process: choose another with --{setting}=<port>.");
