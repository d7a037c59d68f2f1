using System.ComponentModel.DataAnnotations;

namespace JobQueue.Dashboard;

/// <summary>How the mounted queue dashboard behaves (<c>AddJobQueueDashboard(options => ...)</c>).</summary>
public sealed class JobQueueDashboardOptions
{
    /// <summary>The name in the dashboard's header and page titles.</summary>
    [Required]
    public string Title { get; set; } = "JobQueue";

    /// <summary>
    /// Where a job's trace opens in the trace viewer your deployment uses (the Aspire dashboard, Jaeger, ...), with
    /// <c>{traceId}</c> in place of the trace id, e.g. <c>http://localhost:18888/traces/detail/{traceId}</c>. Unset: the job page
    /// shows the trace id without a link.
    /// </summary>
    public string? TraceUrlTemplate { get; set; }

    /// <summary>
    /// Serves requests from other machines on endpoints without an authorization policy. Off by default: with no
    /// <c>RequireAuthorization(...)</c> on the mapped dashboard, only requests from this machine are served (a port-forward,
    /// a browser on the host), as Hangfire's dashboard does. Turn on only behind a gateway that authorizes operators.
    /// </summary>
    public bool AllowRemoteRequestsWithoutAuthorization { get; set; }

    /// <summary>How often an open page redraws what it shows.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The trace link of a job, or null.</summary>
    internal string? TraceUrl(string? traceId) =>
        traceId is null || TraceUrlTemplate is null ? null : TraceUrlTemplate.Replace("{traceId}", Uri.EscapeDataString(traceId), StringComparison.Ordinal);
}
