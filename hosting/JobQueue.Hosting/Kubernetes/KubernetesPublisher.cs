using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.Serialization;

namespace JobQueue.Hosting.Kubernetes;

/// <summary>
/// Writes the app model as Kubernetes manifests (publish mode): per .NET project a ConfigMap of its settings, a
/// Deployment (its replicas, its image, secrets read from one Secret by reference, never by value) and, with an
/// endpoint, a Service; what integrations add (<see cref="KubernetesManifestAnnotation"/>: KEDA for autoscaled pools);
/// and a kustomization.yaml over them all (<c>kubectl apply -k &lt;dir&gt;</c>). Redis is not published: a cluster
/// brings its own (a managed Redis, an operator), named by the Secret's connection string. Services keep the
/// conventions they run with here: <c>ConnectionStrings__redis</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>.
/// The variables are the ones Aspire's environment callbacks give in publish mode: a string goes to the ConfigMap, a
/// secret (a secret parameter, a connection string, a variable named like a secret, any value known only where the app
/// runs) becomes a reference into the Secret, an endpoint's port is <see cref="ContainerPort"/>.
/// Settings: <c>Publish:ImageRegistry</c> (default <c>jobqueue</c>), <c>Publish:ImageTag</c> (<c>latest</c>),
/// <c>Publish:SecretName</c> (<c>jobqueue</c>), <c>Publish:OtlpEndpoint</c> (none: set it to your collector).
/// </summary>
public static partial class KubernetesPublisher
{
    /// <summary>The port every published HTTP endpoint listens on in its container.</summary>
    public const int ContainerPort = 8080;

    // Strings that read as numbers or booleans ("1", "true") are quoted: ConfigMap data and KEDA metadata are strings.
    private static readonly ISerializer Yaml = new SerializerBuilder().DisableAliases().WithQuotingNecessaryStrings().Build();

    /// <summary>Writes the manifests of every project and executable of <paramref name="model"/> to <paramref name="output"/> (kustomize).</summary>
    public static async Task PublishAsync(
        DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext, string output, IServiceProvider services,
        CancellationToken cancellationToken)
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
            var environment = await EnvironmentAsync(resource, executionContext, cancellationToken);
            var context = Manifests(resource, environment, settings);
            secretKeys.UnionWith(context.SecretKeys);
            var documents = new List<Dictionary<string, object?>> { ConfigMap(resource, environment), context.Deployment };
            if (Endpoints(resource).Any())
            {
                documents.Add(Service(resource));
            }

            documents.AddRange(context.Documents);
            var file = resource.Name + ".yaml";
            await File.WriteAllTextAsync(Path.Combine(output, file), string.Join("---\n", documents.Select(Yaml.Serialize)), cancellationToken);
            files.Add(file);
        }

        await File.WriteAllTextAsync(Path.Combine(output, "kustomization.yaml"), Yaml.Serialize(new Dictionary<string, object?>
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = files,
        }), cancellationToken);
        Console.WriteLine($"Wrote {files.Count + 1} manifests to {output}.");
        Console.WriteLine($"Before applying them, create the Secret '{settings.SecretName}' with the keys: {string.Join(", ", secretKeys)}");
        Console.WriteLine($"  kubectl create secret generic {settings.SecretName} {string.Join(' ', secretKeys.Select(k => $"--from-literal={k}=..."))}");
    }

    private sealed record Settings(string ImageRegistry, string ImageTag, string SecretName, string? OtlpEndpoint);

    private static KubernetesResourceContext Manifests(ProjectResource resource, Dictionary<string, Value> environment, Settings settings)
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
                ["replicas"] = resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1,
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
        foreach (var (name, _) in environment.Where(v => v.Value.IsSecret).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            context.AddSecretEnvironment(name, name);
        }

        if (Endpoints(resource).Any())
        {
            container["ports"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "http", ["containerPort"] = ContainerPort } };
            if (HealthCheckPath(resource) is { } health)
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

        foreach (var annotation in resource.Annotations.OfType<KubernetesManifestAnnotation>())
        {
            annotation.Configure(context);
        }

        return context;
    }

    private static Dictionary<string, object?> ConfigMap(ProjectResource resource, Dictionary<string, Value> environment) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = Metadata(resource.Name + "-config", Labels(resource)),
        ["data"] = new SortedDictionary<string, string>(
            environment.Where(v => !v.Value.IsSecret && !RunOnly.Contains(v.Key)).ToDictionary(v => v.Key, v => v.Value.Text!), StringComparer.Ordinal),
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
                new Dictionary<string, object?> { ["name"] = "http", ["port"] = ServicePort, ["targetPort"] = "http" },
            },
        },
    };

    /// <summary>A variable's published value: its text, or a secret (read from the Secret by reference).</summary>
    private sealed record Value(string? Text)
    {
        public static readonly Value Secret = new((string?)null);

        public bool IsSecret => Text is null;
    }

    /// <summary>
    /// The resource's variables as Aspire's environment callbacks write them in publish mode (ASP.NET Core in its
    /// container listening on <see cref="ContainerPort"/>), each a text for the ConfigMap or a secret.
    /// </summary>
    private static async Task<Dictionary<string, Value>> EnvironmentAsync(
        ProjectResource resource, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(executionContext, resource, variables, cancellationToken);
        foreach (var annotation in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await annotation.Callback(context);
        }

        var environment = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            environment[name] = IsSecretName(name) ? Value.Secret : await PublishedAsync(value, cancellationToken);
        }

        if (environment.ContainsKey("ASPNETCORE_URLS"))
        {
            environment["ASPNETCORE_URLS"] = new($"http://+:{ContainerPort}");
        }

        environment.TryAdd("OTEL_SERVICE_NAME", new(resource.Name));
        return environment;
    }

    /// <summary>What a value is in the manifests: only what is known before the app runs and not secret is text.</summary>
    private static async Task<Value> PublishedAsync(object? value, CancellationToken cancellationToken)
    {
        switch (value)
        {
            case null:
                return new("");
            case string text:
                return new(text);
            case ParameterResource parameter:
                return parameter.Secret ? Value.Secret : new(await parameter.GetValueAsync(cancellationToken) ?? "");
            case EndpointReference endpoint:
                return new($"{endpoint.Scheme}://{endpoint.Resource.Name}:{ServicePort}");
            case EndpointReferenceExpression { Property: EndpointProperty.Port or EndpointProperty.TargetPort }:
                return new(ContainerPort.ToString(CultureInfo.InvariantCulture));
            case ReferenceExpression expression:
                var parts = new object?[expression.ValueProviders.Count];
                for (var i = 0; i < parts.Length; i++)
                {
                    var part = await PublishedAsync(expression.ValueProviders[i], cancellationToken);
                    if (part.IsSecret)
                    {
                        return Value.Secret;
                    }

                    parts[i] = part.Text;
                }

                return new(string.Format(CultureInfo.InvariantCulture, expression.Format, parts));
            default:
                // A connection string, or any value only the running app knows (an allocated port, a host): never written.
                return Value.Secret;
        }
    }

    /// <summary>A variable whose value is never written, whatever it is: a password, a key, a token, a connection string.</summary>
    private static bool IsSecretName(string name) =>
        SecretMarkers.Any(marker => name.Contains(marker, StringComparison.OrdinalIgnoreCase))
        || name.EndsWith("_HEADERS", StringComparison.OrdinalIgnoreCase);

    private static readonly string[] SecretMarkers = ["PASSWORD", "SECRET", "TOKEN", "KEY", "CONNECTIONSTRINGS__"];

    /// <summary>The port of every published Service.</summary>
    private const int ServicePort = 80;

    private static IEnumerable<EndpointAnnotation> Endpoints(ProjectResource resource) =>
        resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.UriScheme is "http" or "https");

    /// <summary>
    /// The path of the resource's readiness: an HTTP probe (<c>WithHttpProbe</c>), else its <c>WithHttpHealthCheck</c>,
    /// whose path Aspire keeps only in the health check's key (<c>{resource}_{endpoint}_{path}_{status}_check</c>).
    /// </summary>
    private static string? HealthCheckPath(ProjectResource resource)
    {
        if (resource.Annotations.OfType<EndpointProbeAnnotation>().FirstOrDefault(p => p.Type == ProbeType.Readiness) is { } probe)
        {
            return probe.Path;
        }

        return resource.Annotations.OfType<HealthCheckAnnotation>()
            .Select(h => HealthCheckKey().Match(h.Key))
            .FirstOrDefault(m => m.Success && m.Groups["resource"].Value == resource.Name)?.Groups["path"].Value;
    }

    /// <summary>Variables that describe the local run and are replaced in a cluster (the replica's identity comes from its pod).</summary>
    private static readonly HashSet<string> RunOnly = ["OTEL_RESOURCE_ATTRIBUTES"];

    private static Dictionary<string, string> Labels(IResource resource) => new()
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
        Path.GetFileNameWithoutExtension(resource.GetProjectMetadata().ProjectPath).ToLowerInvariant().Replace('.', '-');

    [GeneratedRegex(@"^(?<resource>[^_]+)_(?<endpoint>[^/]*)_(?<path>/.*)_(?<status>[0-9]+)_check\z")]
    private static partial Regex HealthCheckKey();
}
