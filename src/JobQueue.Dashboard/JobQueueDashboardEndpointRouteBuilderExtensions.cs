using JobQueue;
using JobQueue.Dashboard;
using JobQueue.Dashboard.Actions;
using JobQueue.Dashboard.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

public static class JobQueueDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the queue dashboard under <paramref name="prefix"/>: its pages (GET), its actions (POST, each with the
    /// antiforgery token its page carries) and its stylesheet and script. Returns the group of its endpoints, so the app
    /// guards it as it guards its own: <c>.RequireAuthorization("ops")</c>. Without such a policy only local requests are
    /// served. Needs <c>AddJobQueue</c> and <c>AddJobQueueDashboard</c>.
    /// </summary>
    public static RouteGroupBuilder MapJobQueueDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/dashboard")
    {
        if (endpoints.ServiceProvider.GetService<JobStore>() is null || endpoints.ServiceProvider.GetService<QueueHistory>() is null)
        {
            throw new InvalidOperationException("MapJobQueueDashboard needs builder.AddJobQueue(...) and builder.Services.AddJobQueueDashboard() first.");
        }

        var mount = new DashboardMount(prefix);
        var dashboard = endpoints.MapGroup(prefix).WithTags("Queue dashboard").ExcludeFromDescription();
        dashboard.AddEndpointFilter<DashboardAccess>();
        dashboard.WithMetadata(mount);

        dashboard.MapGet("/", Page(http => QueuesPageModel.RenderAsync(http, mount)));
        dashboard.MapGet("/jobs", Page(http => JobsPageModel.RenderAsync(http, mount, queue: null)));
        dashboard.MapGet("/queues/{queue}/jobs", (HttpContext http, string queue) => JobsPageModel.RenderAsync(http, mount, queue));
        dashboard.MapGet("/jobs/{id}", (HttpContext http, string id) => JobPageModel.RenderAsync(http, mount, id));
        dashboard.MapGet("/find", (HttpContext http, string? id) => Results.Redirect($"{mount.RootOf(http)}jobs/{Uri.EscapeDataString(id?.Trim() ?? "")}"));
        dashboard.MapGet("/workers", Page(http => WorkersPageModel.RenderAsync(http, mount)));
        dashboard.MapGet("/assets/{name}", DashboardAssets.Serve);
        dashboard.MapDashboardActions();
        return dashboard;
    }

    /// <summary>A page's handler as a route handler whose result is written (not a RequestDelegate, whose result would be dropped).</summary>
    private static Delegate Page(Func<HttpContext, Task<IResult>> render) => render;
}
