using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace JobQueue.Benchmarks;

/// <summary>
/// Counts the instructions redis-server runs per job, and where, with Valgrind's callgrind (<c>--profile-redis</c>).
/// CPU time on a shared 2-core machine swings by a third between runs of the same code; instruction counts do not,
/// so one run of each design shows what a change to the scripts saved. The server runs about 50 times slower under
/// Valgrind: profile with a few thousand jobs (<c>--jobs 5000</c>), and read throughput from a run without it.
/// </summary>
public sealed partial class RedisProfiler(string directory, string keepIn)
{
    private int _kept;

    /// <summary>
    /// What the breakdown shows, each the instructions of a function and everything it calls (callgrind's inclusive
    /// cost): where a script's time goes (its own Lua, the replies it turns into Lua values, the commands it runs),
    /// each command wherever it runs, and the append-only file. The rows overlap (a command inside a script counts in
    /// both); "Redis in all" is the whole server.
    /// </summary>
    private static readonly (string Label, string Function)[] Rows =
    [
        ("scripts (EVALSHA), in all", "evalGenericCommand"),
        ("  redis.call: the commands", "scriptCall"),
        ("  redis.call: replies into Lua", "parseReply"),
        ("  numbers formatted (Lua, cjson)", "__printf_fp"),
        ("AOF: commands written", "propagatePendingCommands"),
        ("HMGET", "hmgetCommand"), ("HGETALL", "hgetallCommand"), ("HGET", "hgetCommand"), ("HSET", "hsetCommand"),
        ("HDEL", "hdelCommand"), ("HINCRBY", "hincrbyCommand"), ("PEXPIRE", "pexpireCommand"), ("PUBLISH", "publishCommand"),
        ("XADD", "xaddCommand"), ("XREADGROUP", "xreadCommand"), ("XRANGE", "xrangeCommand"), ("XACK", "xackCommand"),
        ("XDEL", "xdelCommand"), ("XTRIM", "xtrimCommand"), ("ZADD", "zaddCommand"), ("BZPOPMIN", "bzpopminCommand"),
        ("LMOVE/RPOPLPUSH", "rpoplpushCommand"),
    ];

    private string OutFile => Path.Combine(directory, "callgrind.out");

    /// <summary>How to start redis-server under callgrind (each <see cref="ZeroAsync"/> starts the count again).</summary>
    public IReadOnlyList<string> RunUnder => ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + OutFile];

    public static bool Installed() => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(directory => File.Exists(Path.Combine(directory, "valgrind")) && File.Exists(Path.Combine(directory, "callgrind_control")));

    /// <summary>Starts counting from zero.</summary>
    public Task ZeroAsync(int pid) => ControlAsync("-z", pid);

    /// <summary>
    /// The instructions since <see cref="ZeroAsync"/>, per job, by row of the breakdown, with "Redis in all" first. The
    /// dump itself is kept in the run's output directory (<c>redis-callgrind.N.out</c>, N counting the measurements in
    /// order) for <c>callgrind_annotate</c> or KCachegrind.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> DumpAsync(int pid, long jobs)
    {
        var before = Dumps().Count;
        await ControlAsync("-d", pid);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Dumps().Count == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var dump = Dumps().OrderBy(f => int.Parse(f[(f.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture)).Last();
        Directory.CreateDirectory(keepIn);
        File.Copy(dump, Path.Combine(keepIn, $"redis-callgrind.{++_kept}.out"), overwrite: true);
        var inclusive = await InclusiveCostsAsync(dump);
        var perJob = new Dictionary<string, double> { ["Redis in all"] = Math.Round(inclusive.GetValueOrDefault("PROGRAM TOTALS") / (double)jobs) };
        foreach (var (label, function) in Rows)
        {
            if (inclusive.GetValueOrDefault(function) is > 0 and var cost)
            {
                perJob[label] = Math.Round(cost / (double)jobs);
            }
        }

        return perJob;
    }

    private List<string> Dumps() => [.. Directory.EnumerateFiles(directory, "callgrind.out.*").Where(f => char.IsDigit(f[^1]))];

    /// <summary>Each function's inclusive cost in the dump, by name (the highest where a name repeats).</summary>
    private static async Task<Dictionary<string, long>> InclusiveCostsAsync(string dump)
    {
        var output = await RunAsync("callgrind_annotate", ["--inclusive=yes", "--threshold=100", dump]);
        var costs = new Dictionary<string, long>();
        foreach (Match line in CostLine().Matches(output))
        {
            var cost = long.Parse(line.Groups["cost"].Value.Replace(",", ""), CultureInfo.InvariantCulture);
            var name = line.Groups["name"].Value;
            costs[name] = Math.Max(cost, costs.GetValueOrDefault(name));
        }

        return costs;
    }

    private static Task ControlAsync(string command, int pid) => RunAsync("callgrind_control", [command, pid.ToString(CultureInfo.InvariantCulture)]);

    private static async Task<string> RunAsync(string command, string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"{command} {string.Join(' ', args)}: {await error}");
    }

    // "  16,475,664 ( 8.68%)  ???:hmgetCommand [/usr/bin/redis-server]" or "189,781,238 (100.0%)  PROGRAM TOTALS"
    [GeneratedRegex(@"^\s*(?<cost>[\d,]+) \(\s*[\d.]+%\)\s+(?:\S*?:(?<name>[A-Za-z_][\w]*) \[|(?<name>PROGRAM TOTALS))", RegexOptions.Multiline)]
    private static partial Regex CostLine();
}
