namespace JobQueue.Hosting;

/// <summary>Decides which environment values are secrets: never shown in clear on the dashboard, never written into manifests.</summary>
public static class Secrets
{
    private static readonly string[] Markers = ["PASSWORD", "SECRET", "TOKEN", "KEY", "HEADERS", "CONNECTIONSTRINGS__"];

    public static bool IsSecret(string name) =>
        Markers.Any(marker => name.Contains(marker, StringComparison.OrdinalIgnoreCase));

    public static string Display(string name, string value) => IsSecret(name) ? "••••••••" : value;
}
