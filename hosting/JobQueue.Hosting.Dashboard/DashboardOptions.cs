using JobQueue.Hosting.Dashboard.Telemetry;

namespace JobQueue.Hosting.Dashboard;

/// <summary>Dashboard settings (configuration section <c>Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>False: no dashboard, and the projects keep whatever OTEL_* variables the AppHost's environment has.</summary>
    public bool Enabled { get; set; } = true;

    public int Port { get; set; } = 18888;

    public int OtlpGrpcPort { get; set; } = 4317;

    public int OtlpHttpPort { get; set; } = 4318;

    /// <summary>Token for the browser login; generated per run when unset.</summary>
    public string? BrowserToken { get; set; }

    public TelemetryLimits Limits { get; set; } = new();
}

/// <summary>Where the dashboard and its OTLP receiver listen in this run, and the secrets to reach them.</summary>
public sealed record DashboardEndpoints(Uri Dashboard, Uri OtlpGrpc, Uri OtlpHttp, string BrowserToken, string OtlpApiKey)
{
    public Uri LoginUrl => new(Dashboard, $"/login?t={BrowserToken}");
}
