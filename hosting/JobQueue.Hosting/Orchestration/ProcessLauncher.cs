using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace JobQueue.Hosting.Orchestration;

/// <summary>
/// Starts child processes so that none outlives the AppHost. On Linux each child is wrapped as
/// <c>setsid setpriv --pdeathsig KILL -- command</c>: the kernel kills it when the AppHost dies, even by
/// SIGKILL, and its own session keeps the terminal's Ctrl+C away from it, so the AppHost alone decides
/// the shutdown order (services first, Redis last).
/// </summary>
internal static partial class ProcessLauncher
{
    private const int SigTerm = 15;

    // PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the process. Children
    // are therefore all forked from this one thread, which lives as long as the AppHost.
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = [];

    private static readonly bool CanGuard =
        OperatingSystem.IsLinux() && ExecutableFinder.Exists("setsid") && ExecutableFinder.Exists("setpriv");

    static ProcessLauncher()
    {
        new Thread(Run) { IsBackground = true, Name = "JobQueue.Hosting process launcher" }.Start();
    }

    public static Task<Process> StartAsync(
        string command, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo
        {
            FileName = CanGuard ? "setsid" : command,
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (CanGuard)
        {
            foreach (var part in new[] { "setpriv", "--pdeathsig", "KILL", "--", command })
            {
                info.ArgumentList.Add(part);
            }
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((info, started));
        return started.Task;
    }

    /// <summary>Asks a process to stop (SIGTERM), as Ctrl+C or an orchestrator would.</summary>
    public static void Terminate(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            process.Kill(entireProcessTree: true);
        }
        else
        {
            _ = Kill(process.Id, SigTerm);
        }
    }

    private static void Run()
    {
        foreach (var (info, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                var process = new Process { StartInfo = info, EnableRaisingEvents = true };
                process.Start();
                started.SetResult(process);
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
