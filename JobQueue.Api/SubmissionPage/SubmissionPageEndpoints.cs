using System.Reflection;
using System.Text.Json;
using JobQueue.Api.Feeds;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.SubmissionPage;

/// <summary>
/// The origin system's page, end to end: a user picks who they are, submits jobs, and watches all of theirs live over
/// their owner feed. <c>GET /app</c> serves the page (plain HTML and JavaScript, no build step). Its "server side" is a
/// stand-in for an application backend: <c>POST /app/session</c> signs the user in as the owner they name (no password:
/// it is a demonstration) and hands back their feed token, the way a real backend would after its own login, and
/// <c>POST /app/jobs</c> submits a job for the token's owner. Nothing secret is in the page. On in Development only,
/// unless <c>Api:Feeds:SubmissionPage</c> says otherwise, because anyone may sign in as anyone.
/// </summary>
public static class SubmissionPageEndpoints
{
    public static bool IsEnabled(WebApplication app) =>
        app.Services.GetRequiredService<IOptions<FeedOptions>>().Value.SubmissionPage ?? app.Environment.IsDevelopment();

    public static IEndpointRouteBuilder MapSubmissionPage(this IEndpointRouteBuilder routes)
    {
        var page = routes.MapGroup("/app").WithTags("Submission page").WithMetadata(new FeedTokenAuthenticated());
        page.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8")).ExcludeFromDescription();
        page.MapGet("/app.js", () => Asset("app.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        page.MapGet("/app.css", () => Asset("app.css", "text/css; charset=utf-8")).ExcludeFromDescription();
        page.MapPost("/session", SignInAsync)
            .WithSummary("The page's stand-in backend: sign in as an owner ({\"owner\": \"user-1\"}) and get their feed token")
            .Produces<FeedToken>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        page.MapPost("/jobs", SubmitAsync)
            .WithSummary("The page's stand-in backend: submit {\"type\", \"payload\"} for the owner of the bearer feed token")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }

    private static async Task<IResult> SignInAsync(HttpRequest request, FeedTokens tokens, IOptions<ApiOptions> options)
    {
        using var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, request.HttpContext.RequestAborted);
        return TypedResults.Json(tokens.Issue(FeedTokenRequest.OwnerOf(body.RootElement)), ApiJsonContext.Default.FeedToken);
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, JobStore store, IOptions<ApiOptions> options, TimeProvider clock)
    {
        var owner = await http.FeedTokenOwnerAsync();
        JobSubmission submission;
        using (var body = await JsonBody.ReadAsync(http.Request, options.Value.MaxRequestBodyBytes, http.RequestAborted))
        {
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.EnumerateObject().Any(p => p.Name is not ("type" or "payload")))
            {
                throw ProblemException.BadRequest("Invalid job", "The page submits {\"type\", \"payload\"}.");
            }

            submission = JobSubmission.Parse(body.RootElement, clock.GetUtcNow());
        }

        var job = (await store.EnqueueAsync(new NewJob(submission.Type, submission.PayloadJson, Owner: owner))).Job;
        return TypedResults.Json(new JobAccepted(job.Id, job.Status), ApiJsonContext.Default.JobAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Asset(string name, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("JobQueue.Api.SubmissionPage." + name)!;
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), contentType);
    }
}
