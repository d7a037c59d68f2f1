using Aspire.Hosting.ApplicationModel;

namespace JobQueue.Hosting.Kubernetes;

/// <summary>
/// One resource's manifests while they are written, for a <see cref="KubernetesManifestAnnotation"/> to extend: its
/// Deployment and container (as YAML-shaped dictionaries), the documents written after them, and the Secret every
/// secret value is referenced from.
/// </summary>
public sealed class KubernetesResourceContext(
    IResource resource, Dictionary<string, object?> deployment, Dictionary<string, object?> container, string secretName)
{
    /// <summary>The resource whose manifests these are.</summary>
    public IResource Resource => resource;

    /// <summary>Its Deployment.</summary>
    public Dictionary<string, object?> Deployment => deployment;

    /// <summary>The Deployment's one container.</summary>
    public Dictionary<string, object?> Container => container;

    /// <summary>The Secret (name) every secret value is read from: created by whoever deploys, never written here.</summary>
    public string SecretName => secretName;

    /// <summary>Documents written after the resource's own (a KEDA ScaledObject and its TriggerAuthentication, say).</summary>
    public List<Dictionary<string, object?>> Documents { get; } = [];

    /// <summary>The keys of <see cref="SecretName"/> these manifests read, for the deployer to create.</summary>
    public SortedSet<string> SecretKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Sets the Deployment's replica count.</summary>
    public void SetReplicas(int replicas) => ((Dictionary<string, object?>)deployment["spec"]!)["replicas"] = replicas;

    /// <summary>Adds a variable read from the Secret's <paramref name="key"/>.</summary>
    public void AddSecretEnvironment(string variable, string key)
    {
        SecretKeys.Add(key);
        Env().Add(new Dictionary<string, object?>
        {
            ["name"] = variable,
            ["valueFrom"] = new Dictionary<string, object?> { ["secretKeyRef"] = new Dictionary<string, object?> { ["name"] = secretName, ["key"] = key } },
        });
    }

    /// <summary>Adds a variable with a plain value.</summary>
    public void AddEnvironment(string variable, string value) =>
        Env().Add(new Dictionary<string, object?> { ["name"] = variable, ["value"] = value });

    private List<object?> Env() => (List<object?>)(container.TryGetValue("env", out var env) ? env! : container["env"] = new List<object?>());
}

/// <summary>Extends a resource's Kubernetes manifests when they are published (see <see cref="KubernetesPublishingExtensions.WithKubernetesManifest{T}"/>).</summary>
public sealed class KubernetesManifestAnnotation(Action<KubernetesResourceContext> configure) : IResourceAnnotation
{
    /// <summary>What extends the manifests.</summary>
    public Action<KubernetesResourceContext> Configure => configure;
}
