using System.Text;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Writes a <c>redis.conf</c> readable by its owner only. The password goes in a file rather than on the command
/// line, where every user of the machine could read it in the process list.
/// </summary>
internal static class RedisServerConfigFile
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The lines every JobQueue redis-server starts with, single server or cluster node.</summary>
    public static IEnumerable<string> CommonLines(string directory, string password, string appendFsync) =>
    [
        // Loopback only; "-::1" is skipped where IPv6 is off, and lets a client that resolves localhost to ::1 connect.
        "bind 127.0.0.1 -::1",
        "protected-mode yes",
        $"requirepass {Quote(password)}",
        $"dir {Quote(directory)}",
        "appendonly yes",
        $"appendfsync {appendFsync}",
        "daemonize no",
    ];

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }
    }

    /// <summary>Writes <paramref name="lines"/> to <paramref name="path"/>, created with mode 0600 so it is never readable by others, even briefly.</summary>
    public static void Write(string path, IEnumerable<string> lines)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using var writer = new StreamWriter(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        foreach (var line in lines)
        {
            writer.Write(line);
            writer.Write('\n');
        }
    }

    /// <summary>A value as redis.conf reads a double-quoted string (backslash escapes).</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
