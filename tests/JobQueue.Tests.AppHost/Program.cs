using System.Security.Cryptography;

try
{
    var builder = DistributedApplication.CreateBuilder(args);
    var config = builder.Configuration;

    // One redis-server, or with --Redis:Cluster:Masters=3 a local Redis Cluster (nodes from Redis:Port on): the services
    // get every node in their connection string and run unchanged; each queue lives on the master of its hash tag's slot.
    var dataDirectory = config["Redis:DataDir"] ?? Path.Combine(builder.AppHostDirectory, ".data", "redis");
    IResourceBuilder<IResourceWithConnectionString> redis = config.GetValue("Redis:Cluster:Masters", 0) is > 0 and var masters
        ? builder.AddRedisCluster("redis", masters, config.GetValue("Redis:Cluster:ReplicasPerMaster", 1), builder.GetPort("Redis:Port", 6379))
            .WithDataDirectory(dataDirectory + "-cluster")
            .WithPassword(config["Redis:Password"])
            .WithAppendFsync(config["Redis:AppendFsync"] ?? "everysec")
        : builder.AddRedis("redis", port: builder.GetPort("Redis:Port", 6379))
            .WithDataDirectory(dataDirectory)
            .WithPassword(config["Redis:Password"])
            .WithAppendFsync(config["Redis:AppendFsync"] ?? "everysec");

    // One key for every API replica, so a feed token one issues opens the feed on any: made up per run unless set.
    var feedSigningKey = config["Api:Feeds:SigningKey"] ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    var api = builder.AddProject<Projects.JobQueue_Api>("api")
        .WithHttpEndpoint(port: builder.GetPort("Api:Port", 8000))
        .WithHttpHealthCheck("/health")
        .WithReference(redis)
        .WaitFor(redis)
        .WithEnvironment(config.GetSection("Queue"))
        .WithEnvironment(config.GetSection("Api"))
        .WithEnvironment("Api__Feeds__SigningKey", feedSigningKey)
        .WithReplicas(config.GetValue("Api:Replicas", 1));

    builder.AddProject<Projects.JobQueue_Worker>("worker")
        .WithReference(redis)
        .WaitFor(redis)
        .WithEnvironment(config.GetSection("Queue"))
        .WithEnvironment(config.GetSection("Worker"))
        .WithReplicas(config.GetValue("Worker:Replicas", 3));

    // A second worker pool: processes of their own, scaled on their own, reading only the emails queue, so a
    // burst of emails never waits behind other work (and other work never behind emails).
    var emails = builder.AddProject<Projects.JobQueue_Worker>("emails-worker")
        .WithReference(redis)
        .WaitFor(redis)
        .WithEnvironment(config.GetSection("Queue"))
        .WithEnvironment("Worker__Queues__emails", "1")
        .WithReplicas(config.GetValue("EmailsWorker:Replicas", 1));
    // Spread over several hash tags, so that on a Redis Cluster one queue uses several masters: --EmailsWorker:Partitions=3.
    if (config.GetValue("EmailsWorker:Partitions", 1) is > 1 and var partitions)
    {
        emails.WithEnvironment("Worker__Partitions__emails", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
    // Autoscaling (--EmailsWorker:Autoscaling:*) and publishing moved to the Aspire AppHost, JobQueue.AppHost (docs/scaling.md).

    builder.AddDashboard(queueDashboard: api, queueDashboardPath: config["Api:Dashboard:Path"] ?? "/dashboard");

    builder.Build().Run();
    return 0;
}
catch (DistributedApplicationException e)
{
    // A port already taken, a project not built: one line saying what to change, not a stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
