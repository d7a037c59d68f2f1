namespace JobQueue.Hosting.Testing;

public static class DistributedApplicationHostingTestingExtensions
{
    /// <summary>An <see cref="HttpClient"/> whose base address is the resource's endpoint.</summary>
    public static HttpClient CreateHttpClient(this DistributedApplication app, string resourceName, string endpointName = "http") =>
        new() { BaseAddress = app.GetEndpoint(resourceName, endpointName) };

    public static Uri GetEndpoint(this DistributedApplication app, string resourceName, string endpointName = "http") =>
        app.Model[resourceName].Endpoints.FirstOrDefault(e => e.Name == endpointName)?.Url
        ?? throw new ArgumentException($"Resource '{resourceName}' has no endpoint '{endpointName}'.", nameof(endpointName));

    public static ValueTask<string?> GetConnectionStringAsync(
        this DistributedApplication app, string resourceName, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(app.Model[resourceName] is IResourceWithConnectionString resource ? resource.ConnectionString : null);
}
