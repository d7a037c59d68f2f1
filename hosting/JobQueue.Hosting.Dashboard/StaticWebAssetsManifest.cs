using System.Reflection;

namespace JobQueue.Hosting.Dashboard;

internal static class StaticWebAssetsManifest
{
    /// <summary>
    /// The AppHost's <c>*.staticwebassets.runtime.json</c>: next to the running assembly, or in the AppHost's own
    /// build output (recorded in its assembly metadata) when the AppHost runs inside a test host.
    /// </summary>
    public static string? Find(string appHostName)
    {
        var fileName = $"{appHostName}.staticwebassets.runtime.json";
        var appHost = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == appHostName);
        var outputDirectory = appHost?.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostOutputDirectory")?.Value;
        return new[] { AppContext.BaseDirectory, outputDirectory }
            .Where(d => d is not null)
            .Select(d => Path.Combine(d!, fileName))
            .FirstOrDefault(File.Exists);
    }
}
