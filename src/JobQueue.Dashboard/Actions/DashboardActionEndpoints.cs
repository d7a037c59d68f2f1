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
/// What an operator does from the dashboard's pages: retry, cancel, delete or run now a job; retry or delete a queue's
/// dead letters; pause or resume a queue; run now, pause or resume a schedule. Each is a POST with the antiforgery token
/// its page carries (sent in a header by dashboard.js: a page of another site can read neither the token nor the
/// cookie it pairs with), goes through the product's own classes (the code behind the HTTP API), and is logged with
/// the user who did it.
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
                Logger(http).LogWarning("Refused dashboard action {Path} of {User}: no valid antiforgery token", http.Request.Path, DashboardFrame.UserOf(http));
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid antiforgery token",
                    detail: "Actions are sent from the dashboard's own pages, with the token they carry.");
            }

            return await next(context);
        });

        actions.MapPost("/jobs/{id}/retry", (HttpContext http, string id, JobStore jobs) =>
            ActAsync(http, "retry job", id, async () => { await jobs.RetryAsync(id); return $"Job {id} is queued again."; }));
        actions.MapPost("/jobs/{id}/cancel", (HttpContext http, string id, JobStore jobs) =>
            ActAsync(http, "cancel job", id, async () => { await jobs.CancelAsync(id); return $"Job {id} is canceled."; }));
        actions.MapPost("/jobs/{id}/delete", (HttpContext http, string id, JobStore jobs) =>
            ActAsync(http, "delete job", id, async () => { await jobs.DeleteAsync(id); return $"Job {id} is deleted."; }));
        actions.MapPost("/jobs/{id}/promote", (HttpContext http, string id, JobStore jobs) =>
            ActAsync(http, "run now job", id, async () => { await jobs.PromoteAsync(id); return $"Job {id} is queued to run now."; }));

        actions.MapPost("/queues/{name}/pause", (HttpContext http, string name, QueueDirectory queues, QueueControls controls) =>
            ActAsync(http, "pause queue", name, async () => { await queues.KnownAsync(name); await controls.PauseAsync(name); return $"Queue {name} is paused."; }));
        actions.MapPost("/queues/{name}/resume", (HttpContext http, string name, QueueDirectory queues, QueueControls controls) =>
            ActAsync(http, "resume queue", name, async () => { await queues.KnownAsync(name); await controls.ResumeAsync(name); return $"Queue {name} is resumed."; }));
        actions.MapPost("/queues/{name}/dead-letters/retry", (HttpContext http, string name, string? type, QueueDirectory queues, DeadLetters deadLetters) =>
            ActAsync(http, "retry dead letters", $"{name} type={type ?? "any"}", async () =>
            {
                await queues.KnownAsync(name);
                return $"Retried {await deadLetters.RetryAsync(name, NullIfEmpty(type))} dead letters.";
            }));
        actions.MapPost("/queues/{name}/dead-letters/delete", (HttpContext http, string name, string? type, QueueDirectory queues, DeadLetters deadLetters) =>
            ActAsync(http, "delete dead letters", $"{name} type={type ?? "any"}", async () =>
            {
                await queues.KnownAsync(name);
                return $"Deleted {await deadLetters.DeleteAsync(name, NullIfEmpty(type))} dead letters.";
            }));

        actions.MapPost("/schedules/{name}/trigger", (HttpContext http, string name, ScheduleStore schedules) =>
            ActAsync(http, "run now schedule", name, async () => $"Schedule {name} enqueued job {(await schedules.TriggerAsync(name)).Job.Id}."));
        actions.MapPost("/schedules/{name}/pause", (HttpContext http, string name, ScheduleStore schedules) =>
            ActAsync(http, "pause schedule", name, async () => { await schedules.PauseAsync(name); return $"Schedule {name} is paused."; }));
        actions.MapPost("/schedules/{name}/resume", (HttpContext http, string name, ScheduleStore schedules) =>
            ActAsync(http, "resume schedule", name, async () => { await schedules.ResumeAsync(name); return $"Schedule {name} is resumed."; }));
        return actions;
    }

    private static async Task<IResult> ActAsync(HttpContext http, string action, string target, Func<Task<string>> act)
    {
        var logger = Logger(http);
        var user = DashboardFrame.UserOf(http);
        try
        {
            var message = await act();
            logger.LogInformation("Dashboard user {User} did {Action} {Target}: {Outcome}", user, action, target, message);
            return Results.Json(new ActionOutcome(message));
        }
        catch (Exception e) when (Refusal(e) is var (status, title))
        {
            logger.LogWarning("Dashboard user {User} could not {Action} {Target}: {Reason}", user, action, target, e.Message);
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
        InvalidScheduleException => (StatusCodes.Status409Conflict, "Schedule cannot fire"),
        ArgumentException => (StatusCodes.Status400BadRequest, "Invalid name"),
        _ => null,
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("JobQueue.Dashboard.Actions");
}
