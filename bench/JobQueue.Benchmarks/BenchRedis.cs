using System.Globalization;
using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Benchmarks;

/// <summary>
/// The one freshly started redis-server both systems run against (the product's own configuration: AOF,
/// fsync every second), emptied between measurements.
/// </summary>
public sealed class BenchRedis : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly LocalRedis _server;

    private BenchRedis(string dataDirectory, LocalRedis server, ConnectionMultiplexer admin, RedisProfiler? profiler) =>
        (_dataDirectory, _server, Admin, Profiler) = (dataDirectory, server, admin, profiler);

    public string ConnectionString => _server.ConnectionString;

    /// <summary>The same server as a URL, for the Node side.</summary>
    public string Url => $"redis://:{Uri.EscapeDataString(_server.Password)}@127.0.0.1:{_server.Ports[0]}";

    /// <summary>With admin commands (FLUSHALL, INFO, CONFIG RESETSTAT).</summary>
    public ConnectionMultiplexer Admin { get; }

    private IServer Server => Admin.GetServers()[0];

    /// <summary>Counts the server's instructions per job when the run asks (<c>--profile-redis</c>).</summary>
    internal RedisProfiler? Profiler { get; }

    /// <param name="profileInto">Where to keep the profile's dumps; no profile when null.</param>
    public static async Task<BenchRedis> StartAsync(string? profileInto = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var profiler = profileInto is null ? null : new RedisProfiler(dataDirectory, profileInto);
        var server = await LocalRedis.StartServerAsync(dataDirectory, profiler?.RunUnder);
        var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true,syncTimeout=30000,asyncTimeout=30000");
        return new BenchRedis(dataDirectory, server, admin, profiler);
    }

    /// <summary>The server's process id (under Valgrind, Valgrind's: the server runs inside it).</summary>
    internal async Task<int> ProcessIdAsync() => int.Parse(
        (await Server.InfoAsync("server")).SelectMany(g => g).First(kv => kv.Key == "process_id").Value, CultureInfo.InvariantCulture);

    public async Task FlushAsync() => await Server.FlushAllDatabasesAsync();

    public async Task<string> VersionAsync() => (await Server.InfoAsync("server"))
        .SelectMany(g => g).First(kv => kv.Key == "redis_version").Value;

    /// <summary>Clients waiting in a blocking command: an idle worker of either system waits in exactly one.</summary>
    public async Task<int> BlockedClientsAsync() => int.Parse(
        (await Server.InfoAsync("clients")).SelectMany(g => g).First(kv => kv.Key == "blocked_clients").Value, CultureInfo.InvariantCulture);

    /// <summary>Starts counting: zeroes the per-command counters and notes the server's CPU time so far.</summary>
    public async Task<RedisMeter> StartMeterAsync()
    {
        await Server.ExecuteAsync("CONFIG", "RESETSTAT");
        if (Profiler is not null)
        {
            await Profiler.ZeroAsync(await ProcessIdAsync());
        }

        return new RedisMeter(this, await CpuSecondsAsync());
    }

    internal async Task<double> CpuSecondsAsync()
    {
        var cpu = (await Server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Calls and microseconds per command since the last reset (<c>cmdstat_xadd:calls=3,usec=...</c>), commands
    /// run by scripts included (their time is also inside the script's).
    /// </summary>
    internal async Task<IReadOnlyDictionary<string, (long Calls, long Microseconds)>> CommandStatsAsync() =>
        (await Server.InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(
            kv => kv.Key["cmdstat_".Length..],
            kv =>
            {
                var fields = kv.Value.Split(',').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
                return (long.Parse(fields["calls"], CultureInfo.InvariantCulture), long.Parse(fields["usec"], CultureInfo.InvariantCulture));
            });

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}

/// <summary>What Redis spent between <see cref="BenchRedis.StartMeterAsync"/> and <see cref="StopAsync"/>, per job.</summary>
public sealed class RedisMeter(BenchRedis redis, double cpuAtStart)
{
    public async Task<RedisCost> StopAsync(long jobs)
    {
        var cpu = await redis.CpuSecondsAsync() - cpuAtStart;
        var stats = (await redis.CommandStatsAsync()).Where(s => s.Value.Calls > 0).OrderByDescending(s => s.Value.Calls).ToList();
        var instructions = redis.Profiler is { } profiler ? await profiler.DumpAsync(await redis.ProcessIdAsync(), jobs) : null;
        return new RedisCost(
            Math.Round(cpu * 1e6 / jobs, 1),
            Math.Round(stats.Sum(s => s.Value.Calls) / (double)jobs, 2),
            stats.ToDictionary(s => s.Key, s => Math.Round(s.Value.Calls / (double)jobs, 2)),
            stats.ToDictionary(s => s.Key, s => Math.Round(s.Value.Microseconds / (double)jobs, 2)),
            instructions);
    }
}

/// <summary>
/// Redis's cost per job: CPU microseconds (INFO cpu, user + sys: the whole server, I/O included) and commands,
/// counting those a Lua script runs (so one EVALSHA that does 8 things counts 9), with each command's calls
/// and its own microseconds (INFO commandstats; a script's time includes its commands'); with <c>--profile-redis</c>, the
/// instructions it ran per job and where (<see cref="RedisProfiler"/>).
/// </summary>
public sealed record RedisCost(
    double CpuMicroseconds, double Commands, IReadOnlyDictionary<string, double> CommandsByName,
    IReadOnlyDictionary<string, double> MicrosecondsByCommand, IReadOnlyDictionary<string, double>? Instructions = null);
