using System.ComponentModel.DataAnnotations;

namespace JobQueue.Api.Http;

/// <summary>
/// Where the API mounts the queue dashboard (<c>Api:Dashboard</c>; the same section sets the dashboard's own options,
/// such as <c>TraceUrlTemplate</c>). Its own guard applies, not the API key (a browser cannot send one): without an
/// authorization policy, local requests only.
/// </summary>
public sealed class DashboardMountOptions
{
    public const string SectionName = "Api:Dashboard";

    /// <summary>Serve the dashboard at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Its path in the API.</summary>
    [RegularExpression(@"^(/[A-Za-z0-9._~-]+)+\z", ErrorMessage = "Api:Dashboard:Path is a path such as /dashboard.")]
    public string Path { get; set; } = "/dashboard";
}
