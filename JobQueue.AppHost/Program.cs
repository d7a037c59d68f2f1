using System.Globalization;
using System.Security.Cryptography;
using JobQueue;
using Microsoft.Extensions.Configuration;
using JobQueue.Hosting.Autoscaling;
using JobQueue.Hosting.Kubernetes;
using Microsoft.Extensions.Hosting;

try
{
    // Plain http for the dashboard and its resource service: no developer certificate is needed on this machine.
    var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, AllowUnsecuredTransport = true });
    var config = builder.Configuration;
    var dashboard = builder.UseDashboardPorts();

    // One redis-server, or with --Redis:Cluster:Masters=3 a local Redis Cluster (nodes from Redis:Port on, data in
    // <Redis:DataDir>-cluster): the services get every node in their connection string and run unchanged; each queue
    // lives on the master of its hash tag's slot.
    // Only a password the user set becomes a parameter here; otherwise the integration generates one.
    var redisPassword = config["Redis:Password"] is { Length: > 0 } password
        ? builder.AddParameter("redis-password", password, secret: true)
        : null;
    var redisDataDirectory = config["Redis:DataDir"] ?? Path.Combine(builder.AppHostDirectory, ".data", "redis");
    var redisAppendFsync = config["Redis:AppendFsync"] ?? "everysec";
    IResourceBuilder<IResourceWithConnectionString> redis = config.GetValue("Redis:Cluster:Masters", 0) is > 0 and var masters
        ? builder.AddRedisServerCluster("redis", masters, config.GetValue("Redis:Cluster:ReplicasPerMaster", 1),
                builder.GetPort("Redis:Port", 6379), redisPassword)
            .WithDataDirectory(redisDataDirectory + "-cluster")
            .WithAppendFsync(redisAppendFsync)
        : builder.AddRedisServer("redis", builder.GetPort("Redis:Port", 6379), redisPassword)
            .WithDataDirectory(redisDataDirectory)
            .WithAppendFsync(redisAppendFsync);

    // Each service without its launch profile (whose fixed URL and connection string are for running it alone).
    IResourceBuilder<ProjectResource> AddService<TProject>(string name) where TProject : IProjectMetadata, new()
    {
        var service = builder.AddProject<TProject>(name, launchProfileName: null)
            .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithReference(redis)
            .WaitFor(redis)
            .WithEnvironment(config.GetSection(QueueOptions.SectionName));
        if (builder.ExecutionContext.IsRunMode)
        {
            // The dashboard stops with the AppHost, before the services: each one's last export of telemetry then waits
            // out the exporter's timeout (10 s by default) before the process exits, and Ctrl+C took 15 s. On loopback
            // an export takes milliseconds.
            service.WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "2000");
        }

        return service;
    }

    // One key for every API replica, so a feed token one issues opens the feed on any: made up per run unless set.
    var feedSigningKey = builder.AddParameter("api-feeds-signing-key",
        config["Api:Feeds:SigningKey"] ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), secret: true);

    var api = AddService<Projects.JobQueue_Api>("api")
        .WithHttpEndpoint(port: builder.GetPort("Api:Port", 8000), name: "http")
        .WithHttpHealthCheck("/health")
        .WithEnvironment(config.GetSection("Api"))
        .WithEnvironment("Api__Feeds__SigningKey", feedSigningKey)
        // The queue dashboard's trace links open the trace in Aspire's dashboard.
        .WithEnvironment("Api__Dashboard__TraceUrlTemplate", DashboardSettings.TraceUrlTemplate(dashboard))
        .WithReplicas(config.GetValue("Api:Replicas", 1));
    if (config.GetValue("Api:Dashboard:Enabled", true))
    {
        var path = "/" + (config["Api:Dashboard:Path"] ?? "/dashboard").Trim('/') + "/";
        api.WithUrl(ReferenceExpression.Create($"{api.GetEndpoint("http")}{path}"), "Queue dashboard");
    }

    // The queues, as resources under Redis in Aspire's dashboard: live figures, health, and commands (pause, resume,
    // retry or purge dead letters, run a schedule now); each links to its page in the API's queue dashboard.
    var jobsQueue = builder.AddJobQueue("jobs", redis, queueName: QueueOptions.From(config).Name);
    var emailsQueue = builder.AddJobQueue("emails", redis)
        .WithDeadLetterAlert(config.GetValue("EmailsWorker:DeadLetterAlert", 100));
    if (config.GetValue("Api:Dashboard:Enabled", true))
    {
        var path = config["Api:Dashboard:Path"] ?? "/dashboard";
        jobsQueue.WithQueueDashboard(api, path);
        emailsQueue.WithQueueDashboard(api, path);
    }

    AddService<Projects.JobQueue_Worker>("worker")
        .WithEnvironment(config.GetSection("Worker"))
        .WithReplicas(config.GetValue("Worker:Replicas", 3));

    // A second worker pool: processes of their own, scaled on their own, reading only the emails queue, so a
    // burst of emails never waits behind other work (and other work never behind emails).
    var emails = AddService<Projects.JobQueue_Worker>("emails-worker")
        .WithReference(emailsQueue)
        .WithReplicas(config.GetValue("EmailsWorker:Replicas", 1));
    // Spread over several hash tags, so that on a Redis Cluster one queue uses several masters: --EmailsWorker:Partitions=3.
    if (config.GetValue("EmailsWorker:Partitions", 1) is > 1 and var partitions)
    {
        emails.WithEnvironment("Worker__Partitions__emails", partitions.ToString(CultureInfo.InvariantCulture));
    }

    // Or sized by its queue: --EmailsWorker:Autoscaling:MaxReplicas=4 (from MinReplicas, 0 by default, one per JobsPerReplica, 100).
    if (config.GetValue("EmailsWorker:Autoscaling:MaxReplicas", 0) is > 0 and var maxReplicas)
    {
        emails.WithAutoscaling(emailsQueue, config.GetValue("EmailsWorker:Autoscaling:MinReplicas", 0), maxReplicas,
            config.GetValue("EmailsWorker:Autoscaling:JobsPerReplica", 100));
        // The API makes the queue ready itself where no AppHost runs (published): it accepts emails before a worker ever ran.
        api.WithEnvironment("Api__Queues__0", "emails");
    }
    else if (config.GetSection("EmailsWorker:Autoscaling").Exists())
    {
        throw new DistributedApplicationException("EmailsWorker:Autoscaling needs MaxReplicas (1 or more): --EmailsWorker:Autoscaling:MaxReplicas=<n>.");
    }

    // Kubernetes manifests and KEDA: --operation publish --step publish-kubernetes --output-path <dir> (docs/scaling.md).
    builder.AddKubernetesPublishing();

    builder.Build().Run();
    return 0;
}
catch (Exception e) when (e is PortInUseException or DistributedApplicationException)
{
    // A port already taken, a setting not supported: one line saying what to change, not a stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
