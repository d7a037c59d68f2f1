namespace Aspire.Hosting.ApplicationModel;

/// <summary>Checks shared by the single server and the cluster: the programs they need and the settings they take.</summary>
internal static class RedisServerExecutable
{
    /// <summary>Fails the start with the command that fixes it, rather than the orchestrator's "file not found".</summary>
    public static void ThrowIfMissing(string command)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, command)));
        if (!found)
        {
            throw new DistributedApplicationException(
                $"{command} was not found on PATH. Install Redis first, e.g. 'sudo apt-get install -y redis-server' or 'brew install redis'.");
        }
    }

    public static string ValidAppendFsync(string policy) => policy is "always" or "everysec" or "no"
        ? policy
        : throw new ArgumentException($"appendfsync is one of always, everysec, no (not '{policy}').", nameof(policy));
}
