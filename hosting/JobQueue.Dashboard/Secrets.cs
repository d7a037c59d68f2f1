namespace JobQueue.Dashboard;

/// <summary>Decides which environment values the dashboard never shows in clear.</summary>
public static class Secrets
{
    private static readonly string[] Markers = ["PASSWORD", "SECRET", "TOKEN", "KEY", "HEADERS", "CONNECTIONSTRINGS__"];

    public static bool IsSecret(string name) =>
        Markers.Any(marker => name.Contains(marker, StringComparison.OrdinalIgnoreCase));

    public static string Display(string name, string value) => IsSecret(name) ? "••••••••" : value;
}
