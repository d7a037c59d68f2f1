using System.Diagnostics;
using JobQueue.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace JobQueue.Tests.Hosting;

/// <summary>
/// The Aspire AppHost's Kubernetes publishing, <c>JobQueue.AppHost --operation publish --step publish-kubernetes
/// --output-path &lt;dir&gt;</c> (JobQueue.Hosting.Kubernetes, an Aspire pipeline step): the app model as Kubernetes
/// manifests, read back as YAML and checked field by field (there is no cluster here to apply them to): what a cluster
/// and KEDA need, and no secret value.
/// </summary>
public sealed class PublishTests
{
    /// <summary>The redis-streams trigger's metadata as KEDA documents it (keda.sh/docs/scalers/redis-streams).</summary>
    private static readonly HashSet<string> KedaRedisStreamsMetadata =
    [
        "address", "host", "port", "usernameFromEnv", "passwordFromEnv", "stream", "consumerGroup", "pendingEntriesCount",
        "streamLength", "lagCount", "activationLagCount", "enableTLS", "unsafeSsl", "databaseIndex", "addressFromEnv", "hostFromEnv", "portFromEnv",
    ];

    [Fact]
    public async Task Publishing_writes_a_deployment_per_project_a_service_for_the_api_and_a_keda_scaled_object_for_the_autoscaled_pool()
    {
        var output = Path.Combine(Path.GetTempPath(), "jobqueue-publish-" + Guid.NewGuid().ToString("N"));
        var dataDirectory = Path.Combine(output, "data");
        var (exitCode, printed) = await PublishAsync(output,
            "--EmailsWorker:Autoscaling:MaxReplicas=4", "--EmailsWorker:Autoscaling:JobsPerReplica=50", "--Redis:Password=never-written-anywhere",
            "--Api:Feeds:SigningKey=c2lnbmluZy1rZXktbmV2ZXItd3JpdHRlbg==", $"--Redis:DataDir={dataDirectory}");

        Assert.Equal(0, exitCode);
        Assert.Contains("kubectl create secret generic jobqueue", printed);
        Assert.False(Directory.Exists(dataDirectory)); // nothing ran: no Redis was started or prepared
        var files = Documents(Path.Combine(output, "kustomization.yaml")).Single()["resources"];
        Assert.Equal(["api.yaml", "worker.yaml", "emails-worker.yaml"], ((YamlSequenceNode)files).Select(n => n.ToString()));
        var all = files.AllNodes.OfType<YamlScalarNode>().SelectMany(f => Documents(Path.Combine(output, f.Value!))).ToList();
        foreach (var document in all)
        {
            Assert.NotEmpty(Text(document, "apiVersion"));
            Assert.NotEmpty(Text(document, "kind"));
            Assert.NotEmpty(Text(document, "metadata", "name"));
        }

        var api = Find(all, "Deployment", "api");
        var apiContainer = Container(api);
        Assert.Equal("8080", Text(First(apiContainer, "ports"), "containerPort"));
        Assert.Equal("/health", Text(apiContainer, "readinessProbe", "httpGet", "path"));
        Assert.Equal("http", Text(First(Find(all, "Service", "api"), "spec", "ports"), "targetPort"));
        Assert.Equal("emails", Text(Find(all, "ConfigMap", "api-config"), "data", "Api__Queues__0"));
        Assert.Equal("3", Text(Find(all, "Deployment", "worker"), "spec", "replicas"));
        Assert.DoesNotContain(all, d => Text(d, "kind") == "ScaledObject" && Text(d, "metadata", "name") == "worker");

        // Every secret is a reference into the deployer's Secret; no value of one is anywhere in the output.
        var connections = all.Where(d => Text(d, "kind") == "Deployment").SelectMany(d => Environment(Container(d)))
            .Where(e => e["name"].ToString() == "ConnectionStrings__redis").ToList();
        Assert.Equal(3, connections.Count); // the api and both pools
        Assert.All(connections, env => Assert.Equal("jobqueue", Text(env, "valueFrom", "secretKeyRef", "name")));

        var written = string.Concat(Directory.GetFiles(output).Select(File.ReadAllText));
        Assert.DoesNotContain("never-written-anywhere", written);
        Assert.DoesNotContain("c2lnbmluZy1rZXktbmV2ZXItd3JpdHRlbg==", written);
        Assert.DoesNotContain("password=", written);
        // ConfigMap data are strings: "1" and "true" are quoted, not a number and a boolean.
        foreach (var value in all.Where(d => Text(d, "kind") == "ConfigMap").SelectMany(d => ((YamlMappingNode)d["data"]).Children.Values).Cast<YamlScalarNode>())
        {
            Assert.True(value.Style != YamlDotNet.Core.ScalarStyle.Plain || !IsNumberOrBoolean(value.Value!), $"unquoted '{value.Value}'");
        }

        // The autoscaled pool: KEDA scales it with the AppHost's bounds and targets, from zero.
        Assert.Equal("0", Text(Find(all, "Deployment", "emails-worker"), "spec", "replicas"));
        var scaled = Find(all, "ScaledObject", "emails-worker");
        Assert.Equal("keda.sh/v1alpha1", Text(scaled, "apiVersion"));
        Assert.Equal("emails-worker", Text(scaled, "spec", "scaleTargetRef", "name"));
        Assert.Equal("0", Text(scaled, "spec", "minReplicaCount"));
        Assert.Equal("4", Text(scaled, "spec", "maxReplicaCount"));
        Assert.Equal("60", Text(scaled, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior", "scaleDown", "stabilizationWindowSeconds"));
        var triggers = ((YamlSequenceNode)Node(scaled, "spec", "triggers")).Cast<YamlMappingNode>().ToList();
        Assert.Equal(2, triggers.Count);
        Assert.All(triggers, trigger =>
        {
            Assert.Equal("redis-streams", Text(trigger, "type"));
            var metadata = (YamlMappingNode)trigger["metadata"];
            Assert.Subset(KedaRedisStreamsMetadata, metadata.Children.Keys.Select(k => k.ToString()).ToHashSet());
            Assert.Equal("{emails}:stream", Text(metadata, "stream"));
            Assert.Equal("workers", Text(metadata, "consumerGroup"));
            Assert.Equal("REDIS_ADDRESS", Text(metadata, "addressFromEnv"));
            // KEDA's metadata values are strings: "50" quoted, not a number.
            Assert.DoesNotContain(metadata.Children.Values.Cast<YamlScalarNode>(), v => v.Style == YamlDotNet.Core.ScalarStyle.Plain && IsNumberOrBoolean(v.Value!));
            Assert.Equal("password", Text(First(Find(all, "TriggerAuthentication", Text(trigger, "authenticationRef", "name")), "spec", "secretTargetRef"), "parameter"));
        });
        // Lag (waiting jobs: the trigger that wakes a pool at zero) and pending entries (running jobs), each 50 per replica.
        Assert.Equal(("50", "0"), (Text(triggers[0], "metadata", "lagCount"), Text(triggers[0], "metadata", "activationLagCount")));
        Assert.Equal("50", Text(triggers[1], "metadata", "pendingEntriesCount"));
        Assert.Contains(Environment(Container(Find(all, "Deployment", "emails-worker"))), e => e["name"].ToString() == "REDIS_ADDRESS");
        Directory.Delete(output, recursive: true);
    }

    private static async Task<(int ExitCode, string Output)> PublishAsync(string output, params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args = [BuiltProject.AssemblyOf(Projects.JobQueue_AppHost.ProjectPath), "--operation", "publish", "--step", "publish-kubernetes", "--output-path", output];
        foreach (var arg in (string[])[.. args, .. settings])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var printed = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await printed + await errors);
    }

    private static List<YamlMappingNode> Documents(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(file));
        yaml.Load(reader);
        return [.. yaml.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static YamlMappingNode Find(List<YamlMappingNode> documents, string kind, string name) =>
        documents.Single(d => Text(d, "kind") == kind && Text(d, "metadata", "name") == name);

    private static YamlMappingNode Container(YamlMappingNode deployment) => First(deployment, "spec", "template", "spec", "containers");

    private static IEnumerable<YamlMappingNode> Environment(YamlMappingNode container) => ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>();

    /// <summary>The first item of the sequence at <paramref name="path"/>.</summary>
    private static YamlMappingNode First(YamlMappingNode node, params string[] path) => (YamlMappingNode)((YamlSequenceNode)Node(node, path))[0];

    private static YamlNode Node(YamlMappingNode node, params string[] path) =>
        path.Aggregate((YamlNode)node, (current, key) => ((YamlMappingNode)current)[key]);

    private static string Text(YamlMappingNode node, params string[] path) =>
        Node(node, path) is YamlScalarNode scalar ? scalar.Value ?? "" : "";

    private static bool IsNumberOrBoolean(string value) => double.TryParse(value, out _) || value is "true" or "false";
}
