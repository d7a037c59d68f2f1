using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.Serialization;

namespace JobQueue.Hosting.Publishing;

/// <summary>
/// Writes the app model as Kubernetes manifests (publish mode): per .NET project a ConfigMap of its settings, a
/// Deployment (its replicas, its image, secrets read from one Secret by reference, never by value) and, with an
/// endpoint, a Service; what integrations add (<see cref="ExecutableResource.ManifestCallbacks"/>: KEDA for autoscaled
/// pools); and a kustomization.yaml over them all (<c>kubectl apply -k &lt;dir&gt;</c>). Redis is not published: a
/// cluster brings its own (a managed Redis, an operator), named by the Secret's connection string. Services keep the
/// conventions they run with here: <c>ConnectionStrings__redis</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>.
/// Settings: <c>Publish:ImageRegistry</c> (default <c>jobqueue</c>), <c>Publish:ImageTag</c> (<c>latest</c>),
/// <c>Publish:SecretName</c> (<c>jobqueue</c>), <c>Publish:OtlpEndpoint</c> (none: set it to your collector).
/// </summary>
public static partial class KubernetesPublisher
{
    /// <summary>The port every published HTTP endpoint listens on in its container.</summary>
    public const int ContainerPort = 8080;

    // Strings that read as numbers or booleans ("1", "true") are quoted: ConfigMap data and KEDA metadata are strings.
    private static readonly ISerializer Yaml = new SerializerBuilder().DisableAliases().WithQuotingNecessaryStrings().Build();

    public static async Task PublishAsync(DistributedApplicationModel model, string output, IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var settings = new Settings(
            configuration["Publish:ImageRegistry"] ?? "jobqueue", configuration["Publish:ImageTag"] ?? "latest",
            configuration["Publish:SecretName"] ?? "jobqueue", configuration["Publish:OtlpEndpoint"]);
        Directory.CreateDirectory(output);
        var files = new List<string>();
        var secretKeys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var resource in model.Resources.OfType<ProjectResource>())
        {
            var context = Manifests(resource, settings);
            secretKeys.UnionWith(context.SecretKeys);
            var documents = new List<Dictionary<string, object?>> { ConfigMap(resource, context), context.Deployment };
            if (resource.Endpoints.Count > 0)
            {
                documents.Add(Service(resource));
            }

            documents.AddRange(context.Documents);
            var file = resource.Name + ".yaml";
            await File.WriteAllTextAsync(Path.Combine(output, file), string.Join("---\n", documents.Select(Yaml.Serialize)));
            files.Add(file);
        }

        await File.WriteAllTextAsync(Path.Combine(output, "kustomization.yaml"), Yaml.Serialize(new Dictionary<string, object?>
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = files,
        }));
        Console.WriteLine($"Wrote {files.Count + 1} manifests to {output}.");
        Console.WriteLine($"Before applying them, create the Secret '{settings.SecretName}' with the keys: {string.Join(", ", secretKeys)}");
        Console.WriteLine($"  kubectl create secret generic {settings.SecretName} {string.Join(' ', secretKeys.Select(k => $"--from-literal={k}=..."))}");
    }

    private sealed record Settings(string ImageRegistry, string ImageTag, string SecretName, string? OtlpEndpoint);

    private static KubernetesResourceContext Manifests(ProjectResource resource, Settings settings)
    {
        var labels = Labels(resource);
        var container = new Dictionary<string, object?>
        {
            ["name"] = resource.Name,
            ["image"] = $"{settings.ImageRegistry}/{ImageName(resource)}:{settings.ImageTag}",
        };
        var deployment = new Dictionary<string, object?>
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = Metadata(resource.Name, labels),
            ["spec"] = new Dictionary<string, object?>
            {
                ["replicas"] = resource.Replicas,
                ["selector"] = new Dictionary<string, object?> { ["matchLabels"] = labels },
                ["template"] = new Dictionary<string, object?>
                {
                    ["metadata"] = new Dictionary<string, object?> { ["labels"] = labels },
                    ["spec"] = new Dictionary<string, object?>
                    {
                        // Time for a worker to finish its running jobs after SIGTERM (its ShutdownTimeout, 10 s by default).
                        ["terminationGracePeriodSeconds"] = 30,
                        ["containers"] = new List<object?> { container },
                    },
                },
            },
        };
        var context = new KubernetesResourceContext(resource, deployment, container, settings.SecretName);
        container["envFrom"] = new List<object?>
        {
            new Dictionary<string, object?> { ["configMapRef"] = new Dictionary<string, object?> { ["name"] = resource.Name + "-config" } },
        };
        context.Container["env"] = new List<object?>
        {
            new Dictionary<string, object?>
            {
                ["name"] = "POD_NAME",
                ["valueFrom"] = new Dictionary<string, object?> { ["fieldRef"] = new Dictionary<string, object?> { ["fieldPath"] = "metadata.name" } },
            },
        };
        context.AddEnvironment("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=$(POD_NAME)");
        foreach (var (name, _) in Environment(resource).Where(v => IsSecretValue(v.Key, v.Value)).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            context.AddSecretEnvironment(name, name);
        }

        if (resource.Endpoints.Count > 0)
        {
            container["ports"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "http", ["containerPort"] = ContainerPort } };
            if (resource.HttpHealthCheckPath is { } health)
            {
                container["readinessProbe"] = new Dictionary<string, object?>
                {
                    ["httpGet"] = new Dictionary<string, object?> { ["path"] = health, ["port"] = "http" },
                };
            }
        }

        if (settings.OtlpEndpoint is { } otlp)
        {
            context.AddEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", otlp);
        }

        foreach (var callback in resource.ManifestCallbacks)
        {
            callback(context);
        }

        return context;
    }

    private static Dictionary<string, object?> ConfigMap(ProjectResource resource, KubernetesResourceContext context) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = Metadata(resource.Name + "-config", Labels(resource)),
        ["data"] = new SortedDictionary<string, string>(
            Environment(resource).Where(v => !IsSecretValue(v.Key, v.Value) && !RunOnly.Contains(v.Key)).ToDictionary(), StringComparer.Ordinal),
    };

    private static Dictionary<string, object?> Service(ProjectResource resource) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Metadata(resource.Name, Labels(resource)),
        ["spec"] = new Dictionary<string, object?>
        {
            ["selector"] = Labels(resource),
            ["ports"] = new List<object?>
            {
                new Dictionary<string, object?> { ["name"] = "http", ["port"] = 80, ["targetPort"] = "http" },
            },
        },
    };

    /// <summary>The resource's variables as its environment callbacks write them when publishing (ASP.NET Core in its container listening on all interfaces).</summary>
    private static Dictionary<string, string> Environment(ProjectResource resource)
    {
        var ports = resource.Endpoints.ToDictionary(e => e.Name, _ => ContainerPort);
        var context = new EnvironmentCallbackContext(new ReplicaInfo(resource.Name, resource.Name, 0, ports), isPublishing: true);
        foreach (var callback in resource.EnvironmentCallbacks)
        {
            callback(context);
        }

        var variables = context.EnvironmentVariables;
        if (variables.ContainsKey("ASPNETCORE_URLS"))
        {
            variables["ASPNETCORE_URLS"] = $"http://+:{ContainerPort}";
        }

        return variables;
    }

    /// <summary>A value the manifests only reference: a secret by its name, or one known only where it runs (a connection string).</summary>
    private static bool IsSecretValue(string name, string value) => Secrets.IsSecret(name) || PublishExpression().IsMatch(value);

    /// <summary>Variables that describe the local run and are replaced in a cluster (the replica's identity comes from its pod).</summary>
    private static readonly HashSet<string> RunOnly = ["OTEL_RESOURCE_ATTRIBUTES"];

    private static Dictionary<string, string> Labels(ExecutableResource resource) => new()
    {
        ["app.kubernetes.io/name"] = resource.Name,
        ["app.kubernetes.io/part-of"] = "jobqueue",
    };

    private static Dictionary<string, object?> Metadata(string name, Dictionary<string, string> labels) => new()
    {
        ["name"] = name,
        ["labels"] = labels,
    };

    /// <summary>One image per project (both worker pools run the worker's): its assembly name, lower-case, dots as dashes.</summary>
    private static string ImageName(ProjectResource resource) =>
        Path.GetFileNameWithoutExtension(resource.Project.ProjectPath).ToLowerInvariant().Replace('.', '-');

    [GeneratedRegex(@"^\{[^{}]+\.connectionString\}\z")]
    private static partial Regex PublishExpression();
}
