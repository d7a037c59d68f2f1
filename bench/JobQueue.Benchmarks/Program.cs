using JobQueue.Benchmarks;
using JobQueue.Benchmarks.Modes;

// One program, seven roles: the benchmark itself, the worker processes it starts (JobQueue's, Hangfire's), the Kestrel ceilings it
// measures the API against, the dashboard pages' timing with a large queue, the drain on a Redis Cluster, and a
// published worker's first seconds against a backlog. See BenchSettings for the benchmark's options.
return args.FirstOrDefault() switch
{
    "worker" => await BenchWorker.RunAsync(args[1..]),
    "hangfire-worker" => await HangfireWorker.RunAsync(args[1..]),
    "ceiling" => await KestrelCeiling.RunAsync(args[1..]),
    "dashboard" => await DashboardPages.RunAsync(args[1..]),
    "cluster" => await ClusterDrain.RunAsync(args[1..]),
    "startup" => await StartupDrain.RunAsync(args[1..]),
    _ => await Benchmark.RunAsync(BenchSettings.Parse(args)),
};
