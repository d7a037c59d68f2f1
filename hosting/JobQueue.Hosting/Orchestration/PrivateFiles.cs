using System.Security.Cryptography;

namespace JobQueue.Hosting.Orchestration;

/// <summary>A data directory only its owner may read (0700), and the secrets and configs kept in it (0600).</summary>
internal static class PrivateFiles
{
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public static void Write(string path, IEnumerable<string> lines)
    {
        File.WriteAllLines(path, lines);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>The password kept in <c>{directory}/password</c>, made up (24 random bytes, hex) the first time.</summary>
    public static string LoadOrCreatePassword(string directory)
    {
        var path = Path.Combine(directory, "password");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        CreateDirectory(directory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        Write(path, [password]);
        return password;
    }
}
