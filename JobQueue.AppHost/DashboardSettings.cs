using System.Net;
using System.Net.Sockets;

/// <summary>
/// Aspire's dashboard on ports from the AppHost's own settings (<c>Dashboard:Port</c>, <c>Dashboard:OtlpGrpcPort</c>,
/// <c>Dashboard:OtlpHttpPort</c>: 18888, 4317, 4318) and with its login token (<c>Dashboard:BrowserToken</c>), rather
/// than a launch profile's fixed URLs, so two AppHosts run side by side and a taken port fails like any other. Plain
/// http: no developer certificate is needed.
/// </summary>
internal static class DashboardSettings
{
    /// <summary>Sets the keys Aspire reads for its dashboard; returns the dashboard's address.</summary>
    public static Uri UseDashboardPorts(this IDistributedApplicationBuilder builder)
    {
        var dashboard = new Uri($"http://127.0.0.1:{builder.GetPort("Dashboard:Port", 18888)}");
        var config = builder.Configuration;
        config["ASPNETCORE_URLS"] = dashboard.ToString().TrimEnd('/');
        config["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{builder.GetPort("Dashboard:OtlpGrpcPort", 4317)}";
        config["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{builder.GetPort("Dashboard:OtlpHttpPort", 4318)}";
        // A fixed login token, for a bookmark; otherwise Aspire makes one up per run.
        if (config["Dashboard:BrowserToken"] is { Length: > 0 } token)
        {
            config["AppHost:BrowserToken"] = token;
        }

        // The resource service the dashboard reads the resources from: unset, Aspire listens with TLS (and fails without
        // a developer certificate); it is internal to this run, so any free port, never a setting to collide on.
        config["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
        return dashboard;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dashboard's page of one trace, with <c>{traceId}</c> for the queue dashboard to fill in.</summary>
    public static string TraceUrlTemplate(Uri dashboard) => new Uri(dashboard, "/traces/detail/").ToString() + "{traceId}";
}
