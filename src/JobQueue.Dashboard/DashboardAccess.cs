using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobQueue.Dashboard;

/// <summary>
/// Who may use the dashboard when the app says nothing: with an authorization policy on its endpoints
/// (<c>RequireAuthorization</c>), whoever the policy lets in; without one, only requests from this machine, unless
/// <see cref="JobQueueDashboardOptions.AllowRemoteRequestsWithoutAuthorization"/>. The address is the connection's as the
/// app sees it, so a reverse proxy's forwarded address counts when the app applies forwarded headers.
/// </summary>
internal sealed class DashboardAccess : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (IsAuthorizedByTheApp(http) || http.RequestServices.GetRequiredService<IOptions<JobQueueDashboardOptions>>().Value.AllowRemoteRequestsWithoutAuthorization
            || IsLocal(http.Connection))
        {
            return await next(context);
        }

        http.RequestServices.GetRequiredService<ILogger<DashboardAccess>>().LogWarning(
            "Refused a dashboard request from {RemoteAddress}: without an authorization policy only local requests are served", http.Connection.RemoteIpAddress);
        return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Dashboard for local requests only",
            detail: "Without an authorization policy the dashboard serves requests from its own machine only. Map it with RequireAuthorization(...) to open it to your operators.");
    }

    /// <summary>The endpoint carries the app's own authorization, which the authorization middleware already enforced.</summary>
    private static bool IsAuthorizedByTheApp(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>() is { Count: > 0 }
        && http.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is null;

    private static bool IsLocal(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => true, // an in-memory test server has no network
        var remote when IPAddress.IsLoopback(remote) => true,
        var remote => remote.Equals(connection.LocalIpAddress),
    };
}
