using Microsoft.Extensions.Options;

namespace JobQueue.Api.Http;

/// <summary><c>GET /</c>: where to go from the API's root, for a person or a tool that lands there.</summary>
public static class ApiIndex
{
    public static IEndpointRouteBuilder MapApiIndex(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", (IOptions<DashboardMountOptions> dashboard, IOptions<Feeds.FeedOptions> feeds, IHostEnvironment environment) =>
        {
            var links = new Dictionary<string, string>
            {
                ["jobs"] = "/jobs",
                ["openapi"] = "/openapi/v1.json",
                ["docs"] = "/docs",
                ["health"] = "/health",
                ["alive"] = "/alive",
            };
            if (dashboard.Value.Enabled)
            {
                links["dashboard"] = dashboard.Value.Path;
            }

            if (feeds.Value.SubmissionPage ?? environment.IsDevelopment())
            {
                links["submission_page"] = "/app";
            }

            return TypedResults.Json(new ApiIndexView("JobQueue API", links), ApiJsonContext.Default.ApiIndexView);
        }).WithTags("Index").WithSummary("Links to the API's pages, documents and health endpoints");
        return routes;
    }
}

/// <summary>What <c>GET /</c> answers.</summary>
public sealed record ApiIndexView(string Name, IReadOnlyDictionary<string, string> Links);
