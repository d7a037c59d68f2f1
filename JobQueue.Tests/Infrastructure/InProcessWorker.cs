using JobQueue.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Tests.Infrastructure;

/// <summary>A .NET app's own host running JobQueue's worker in process, as a team adds it, against a test's Redis (a server or a cluster).</summary>
public static class InProcessWorker
{
    /// <summary>
    /// Starts a host whose default queue is <paramref name="queue"/> with the given handlers and any further
    /// <paramref name="settings"/> (e.g. <c>Worker:Queues:emails</c>); reads block briefly so tests stay fast.
    /// </summary>
    public static async Task<IHost> StartAsync(
        IRedisFixture server, string queue, Action<JobWorkerBuilder> handlers, Action<IServiceCollection>? configure = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = server.ConnectionString;
        builder.Configuration["Queue:Name"] = queue;
        builder.Configuration["Worker:BlockTimeout"] = "00:00:00.200";
        builder.Configuration["Queue:HousekeepingInterval"] = "00:00:00.020";
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        handlers(builder.AddJobWorker());
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Waits until the job is done, failed or canceled.</summary>
    public static Task<JobRecord> WaitForEndAsync(JobStore store, string id, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(async () => (await store.GetAsync(id))!, job => JobStatus.IsTerminal(job.Status),
            timeout ?? TimeSpan.FromSeconds(15), $"job {id} to end");
}
