using System.Collections.Concurrent;
using JobQueue.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Hosting.Queues;

/// <summary>
/// The AppHost's one connection per Redis resource, opened when a queue of it first needs one, with the product's own
/// classes over it: what the queue resources read and what their commands run is exactly what the API and the queue
/// dashboard run. The queue options are the AppHost's <c>Queue</c> section, the one it passes to its services (the
/// default queue's name matters: schedules live on its keys).
/// </summary>
internal sealed class QueueConnections(IConfiguration configuration) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueOperations>>> _byRedis = new();

    public async Task<QueueOperations> GetAsync(IResourceWithConnectionString redis, CancellationToken cancellationToken)
    {
        var connecting = _byRedis.GetOrAdd(redis.Name, _ => new(() => ConnectAsync(redis, cancellationToken)));
        try
        {
            return await connecting.Value;
        }
        catch
        {
            // Not cached: the next caller tries again (the connection string may not have been known yet).
            _byRedis.TryRemove(new(redis.Name, connecting));
            throw;
        }
    }

    private async Task<QueueOperations> ConnectAsync(IResourceWithConnectionString redis, CancellationToken cancellationToken)
    {
        var connectionString = await redis.GetConnectionStringAsync(cancellationToken)
            ?? throw new InvalidOperationException($"'{redis.Name}' has no connection string.");
        var connection = await RedisConnections.ConnectAsync(connectionString, $"apphost-queues-{redis.Name}");
        var options = Options.Create(QueueOptions.From(configuration));
        return new QueueOperations(connection, options);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connecting in _byRedis.Values.Where(c => c.IsValueCreated))
        {
            try
            {
                await (await connecting.Value).DisposeAsync();
            }
            catch (Exception)
            {
                // It never connected: nothing to close.
            }
        }
    }
}

/// <summary>The product's classes over one Redis connection.</summary>
internal sealed class QueueOperations : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;

    public QueueOperations(ConnectionMultiplexer connection, IOptions<QueueOptions> options)
    {
        _connection = connection;
        Directory = new QueueDirectory(connection, options);
        var store = new JobStore(connection, Directory, options);
        Inspector = new QueueInspector(connection, Directory);
        Controls = new QueueControls(connection, Directory);
        DeadLetters = new DeadLetters(connection, Directory, store);
        Schedules = new ScheduleStore(connection, Directory, store, options, NullLogger<ScheduleStore>.Instance);
        Options = options.Value;
    }

    public IConnectionMultiplexer Redis => _connection;

    public QueueDirectory Directory { get; }

    public QueueInspector Inspector { get; }

    public QueueControls Controls { get; }

    public DeadLetters DeadLetters { get; }

    public ScheduleStore Schedules { get; }

    public QueueOptions Options { get; }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
