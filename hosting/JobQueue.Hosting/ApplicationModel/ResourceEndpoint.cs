namespace JobQueue.Hosting.ApplicationModel;

/// <summary>
/// A port a resource listens on. <see cref="Port"/> is the address clients use; with several replicas each
/// replica listens on a port of its own and the AppHost proxies <see cref="Port"/> to them round-robin.
/// </summary>
public sealed class ResourceEndpoint(string name, string scheme, int? port)
{
    public string Name => name;

    public string Scheme => scheme;

    /// <summary>The requested port; null (or any port under test) means a free one is picked at build time.</summary>
    public int? RequestedPort => port;

    /// <summary>The port clients use, fixed when the app is built.</summary>
    public int Port { get; internal set; }

    public Uri Url => new($"{scheme}://127.0.0.1:{Port}");
}
