namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Every process an Aspire AppHost runs, read from /proc: its descendants, and DCP's, which detaches from the AppHost
/// (its parent becomes init) but names it in <c>--monitor &lt;pid&gt;</c>; DCP runs redis-server, the projects' launchers
/// and the dashboard.
/// </summary>
public static class AppHostProcessTree
{
    /// <summary>One process: its id and its command line (arguments joined by spaces).</summary>
    public sealed record Member(int Pid, string CommandLine)
    {
        public override string ToString() => $"{Pid} {CommandLine}";
    }

    public static IReadOnlyList<Member> Of(int appHostPid)
    {
        var processes = ReadAll();
        var roots = processes.Values
            .Where(p => p.Pid == appHostPid || p.CommandLine.Contains($"--monitor {appHostPid} ", StringComparison.Ordinal)
                || p.CommandLine.EndsWith($"--monitor {appHostPid}", StringComparison.Ordinal))
            .Select(p => p.Pid);
        var members = new HashSet<int>(roots);
        // Parents before children is not guaranteed by pid order: repeat until nothing is added.
        for (var added = true; added;)
        {
            added = false;
            foreach (var process in processes.Values)
            {
                if (members.Contains(process.ParentPid) && members.Add(process.Pid))
                {
                    added = true;
                }
            }
        }

        return [.. members.Where(pid => pid != appHostPid && processes.ContainsKey(pid))
            .Select(pid => new Member(pid, processes[pid].CommandLine))];
    }

    /// <summary>
    /// The process that does the work behind a resource's pid: for a project, DCP starts <c>dotnet run --no-build</c>,
    /// which starts the app as its child (null until it has); any other process is itself.
    /// </summary>
    public static int? AppOf(int pid)
    {
        var processes = ReadAll();
        if (!processes.TryGetValue(pid, out var process))
        {
            return null;
        }

        if (!process.CommandLine.StartsWith("dotnet run ", StringComparison.Ordinal))
        {
            return pid;
        }

        return processes.Values.FirstOrDefault(p => p.ParentPid == pid)?.Pid;
    }

    /// <summary>The redis-server serving <paramref name="port"/> on loopback (its command line names its address).</summary>
    public static int Listening(int port) =>
        ReadAll().Values.Single(p => p.CommandLine.StartsWith($"redis-server 127.0.0.1:{port}", StringComparison.Ordinal)).Pid;

    /// <summary>Alive and not a zombie (a killed process this sandbox's init has not reaped yet is dead).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed record ProcessInfo(int Pid, int ParentPid, string CommandLine);

    private static Dictionary<int, ProcessInfo> ReadAll()
    {
        var processes = new Dictionary<int, ProcessInfo>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] == "Z")
                {
                    continue;
                }

                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').TrimEnd();
                processes[pid] = new ProcessInfo(pid, int.Parse(fields[1]), commandLine);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited while being read.
            }
        }

        return processes;
    }
}
