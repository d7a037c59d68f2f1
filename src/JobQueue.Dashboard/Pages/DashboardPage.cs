using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobQueue.Dashboard.Pages;

/// <summary>
/// A page is a component rendered once on the server (static rendering: no circuit, no WebSocket, nothing a proxy must
/// keep open) from a model its endpoint read before; dashboard.js redraws its live parts by fetching it again.
/// </summary>
internal static class DashboardPage
{
    public static IResult Render<TPage>(HttpContext http, DashboardMount mount, string section, object model) where TPage : IComponent =>
        new RazorComponentResult<TPage>(new Dictionary<string, object?>
        {
            ["Frame"] = DashboardFrame.For(http, mount, section),
            ["Model"] = model,
        });
}
