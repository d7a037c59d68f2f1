namespace JobQueue.Hosting.Orchestration;

internal static class ExecutableFinder
{
    /// <summary>Whether <paramref name="command"/> is a path to a file or found on PATH.</summary>
    public static bool Exists(string command) =>
        command.Contains('/')
            ? File.Exists(command)
            : (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => File.Exists(Path.Combine(dir, command)));
}
