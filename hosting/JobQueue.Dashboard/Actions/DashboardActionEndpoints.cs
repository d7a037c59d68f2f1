using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard.Actions;

/// <summary>What an action did, in a sentence the page shows.</summary>
public sealed record ActionOutcome(string Message);

/// <summary>
/// What an operator does from the dashboard's pages: retry, cancel, delete or promote a job; retry or delete a queue's
/// dead letters; pause or resume a queue; trigger, pause or resume a schedule. Each is a POST behind the login cookie
/// and an antiforgery token (the page sends it in a header: a page of another site can do neither), goes through the
/// product's own classes (the code behind the HTTP API), and is logged with the session that did it.
/// </summary>
internal static class DashboardActionEndpoints
{
    public static RouteGroupBuilder MapDashboardActions(this IEndpointRouteBuilder routes)
    {
        var actions = routes.MapGroup("/actions");
        actions.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
            {
                Logger(http).LogWarning("Refused dashboard action {Path} of session {Session}: no valid antiforgery token", http.Request.Path, SessionOf(http));
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid antiforgery token",
                    detail: "Actions are sent from the dashboard's own pages, with the token they carry.");
            }

            return await next(context);
        });

        actions.MapPost("/jobs/{id}/retry", (HttpContext http, string id) =>
            ActAsync(http, "retry job", id, async s => { await s.Jobs.RetryAsync(id); return $"Job {id} is queued again."; }));
        actions.MapPost("/jobs/{id}/cancel", (HttpContext http, string id) =>
            ActAsync(http, "cancel job", id, async s => { await s.Jobs.CancelAsync(id); return $"Job {id} is canceled."; }));
        actions.MapPost("/jobs/{id}/delete", (HttpContext http, string id) =>
            ActAsync(http, "delete job", id, async s => { await s.Jobs.DeleteAsync(id); return $"Job {id} is deleted."; }));
        actions.MapPost("/jobs/{id}/promote", (HttpContext http, string id) =>
            ActAsync(http, "promote job", id, async s => { await s.Jobs.PromoteAsync(id); return $"Job {id} is queued to run now."; }));

        actions.MapPost("/queues/{name}/pause", (HttpContext http, string name) =>
            ActAsync(http, "pause queue", name, async s => { await s.Queues.KnownAsync(name); await s.Controls.PauseAsync(name); return $"Queue {name} is paused."; }));
        actions.MapPost("/queues/{name}/resume", (HttpContext http, string name) =>
            ActAsync(http, "resume queue", name, async s => { await s.Queues.KnownAsync(name); await s.Controls.ResumeAsync(name); return $"Queue {name} is resumed."; }));
        actions.MapPost("/queues/{name}/dead-letters/retry", (HttpContext http, string name, string? type) =>
            ActAsync(http, "retry dead letters", $"{name} type={type ?? "any"}", async s =>
            {
                await s.Queues.KnownAsync(name);
                return $"Retried {await s.DeadLetters.RetryAsync(name, NullIfEmpty(type))} dead letters.";
            }));
        actions.MapPost("/queues/{name}/dead-letters/delete", (HttpContext http, string name, string? type) =>
            ActAsync(http, "delete dead letters", $"{name} type={type ?? "any"}", async s =>
            {
                await s.Queues.KnownAsync(name);
                return $"Deleted {await s.DeadLetters.DeleteAsync(name, NullIfEmpty(type))} dead letters.";
            }));

        actions.MapPost("/schedules/{name}/trigger", (HttpContext http, string name) =>
            ActAsync(http, "trigger schedule", name, async s => $"Schedule {name} enqueued job {(await s.Schedules.TriggerAsync(name)).Job.Id}."));
        actions.MapPost("/schedules/{name}/pause", (HttpContext http, string name) =>
            ActAsync(http, "pause schedule", name, async s => { await s.Schedules.PauseAsync(name); return $"Schedule {name} is paused."; }));
        actions.MapPost("/schedules/{name}/resume", (HttpContext http, string name) =>
            ActAsync(http, "resume schedule", name, async s => { await s.Schedules.ResumeAsync(name); return $"Schedule {name} is resumed."; }));
        return actions;
    }

    private static async Task<IResult> ActAsync(HttpContext http, string action, string target, Func<QueueServices, Task<string>> act)
    {
        var logger = Logger(http);
        var session = SessionOf(http);
        try
        {
            var message = await act(await http.RequestServices.GetRequiredService<DashboardQueue>().ServicesAsync());
            logger.LogInformation("Dashboard session {Session} did {Action} {Target}: {Outcome}", session, action, target, message);
            return Results.Json(new ActionOutcome(message));
        }
        catch (Exception e) when (Refusal(e) is var (status, title))
        {
            logger.LogWarning("Dashboard session {Session} could not {Action} {Target}: {Reason}", session, action, target, e.Message);
            return Results.Problem(statusCode: status, title: title, detail: e.Message);
        }
    }

    /// <summary>What the product refused and why, as a problem status; null for what it did not expect (a 500).</summary>
    private static (int Status, string Title)? Refusal(Exception e) => e switch
    {
        JobNotFoundException => (StatusCodes.Status404NotFound, "No such job"),
        ScheduleNotFoundException => (StatusCodes.Status404NotFound, "No such schedule"),
        UnknownQueueException => (StatusCodes.Status404NotFound, "No such queue"),
        JobStateConflictException conflict => (StatusCodes.Status409Conflict, conflict.Title),
        ArgumentException => (StatusCodes.Status400BadRequest, "Invalid name"),
        _ => null,
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string SessionOf(HttpContext http) => http.User.FindFirstValue(LoginEndpoints.SessionClaim) ?? "none";

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("JobQueue.Dashboard.Actions");
}
