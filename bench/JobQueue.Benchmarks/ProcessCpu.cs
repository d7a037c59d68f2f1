using System.Globalization;

namespace JobQueue.Benchmarks;

/// <summary>CPU time (user + system) a process has used so far, from /proc.</summary>
public static class ProcessCpu
{
    private const double ClockTicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds(int pid)
    {
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    }
}
