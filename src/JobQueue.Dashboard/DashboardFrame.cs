using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JobQueue.Dashboard;

/// <summary>
/// What every page's frame needs: the dashboard's root as the browser reaches it (its <c>&lt;base href&gt;</c>, so each
/// link is relative to it under any path base or proxy prefix), the antiforgery token its action buttons send, who is
/// looking, and how often the page redraws.
/// </summary>
public sealed record DashboardFrame(string BaseHref, string Title, string Section, string AntiforgeryToken, string User, int RefreshMs, JobQueueDashboardOptions Options)
{
    internal static DashboardFrame For(HttpContext http, DashboardMount mount, string section)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<JobQueueDashboardOptions>>().Value;
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return new DashboardFrame(mount.RootOf(http), options.Title, section, tokens.RequestToken ?? "", UserOf(http),
            (int)options.RefreshInterval.TotalMilliseconds, options);
    }

    /// <summary>The signed-in user's name, or "local" for a request the local-only default let in.</summary>
    public static string UserOf(HttpContext http) => http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "local";
}

/// <summary>Where the dashboard is mapped in the app (<c>MapJobQueueDashboard("/dashboard")</c>).</summary>
public sealed record DashboardMount(string Prefix)
{
    /// <summary>The dashboard's root URL path as the browser sees it, ending with a slash.</summary>
    public string RootOf(HttpContext http) => $"{http.Request.PathBase}{Prefix.TrimEnd('/')}/";
}
