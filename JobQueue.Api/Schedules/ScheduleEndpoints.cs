using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Schedules;

public static class ScheduleEndpoints
{
    /// <summary>How many next occurrences <c>GET /schedules/{name}</c> lists.</summary>
    private const int NextRunsShown = 5;

    /// <summary>Cron schedules: create or update, read, list, delete, run once now, pause and resume.</summary>
    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder routes)
    {
        var schedules = routes.MapGroup("/schedules").WithTags("Schedules");
        schedules.MapGet("/", ListAsync)
            .WithSummary("List the schedules")
            .Produces<ScheduleList>();
        schedules.MapPut("/{name}", PutAsync)
            .WithSummary("Create or update a schedule")
            .WithDescription("Body: {\"cron\": \"0 6 * * *\" (or six fields, seconds first), \"time_zone\": \"Europe/Paris\" (default UTC), " +
                "\"misfire\": \"catch_up\" (default) | \"skip\", \"job\": {a POST /jobs body without delay_ms or run_at}}. " +
                "Updating keeps the next run while the cron expression and time zone stay the same.")
            .Accepts<ScheduleSubmissionDocument>("application/json")
            .Produces<ScheduleView>(StatusCodes.Status201Created)
            .Produces<ScheduleView>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        schedules.MapGet("/{name}", GetAsync)
            .WithSummary("Get a schedule, its next runs and its last run")
            .Produces<ScheduleView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        schedules.MapDelete("/{name}", DeleteAsync)
            .WithSummary("Delete a schedule (the jobs it enqueued stay)")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        schedules.MapPost("/{name}/trigger", TriggerAsync)
            .WithSummary("Run the schedule's job once now, outside its timetable")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound);
        schedules.MapPost("/{name}/pause", PauseAsync)
            .WithSummary("Stop firing the schedule until resumed")
            .Produces<ScheduleView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        schedules.MapPost("/{name}/resume", ResumeAsync)
            .WithSummary("Fire the schedule again from its next occurrence (what fell due while paused does not run)")
            .Produces<ScheduleView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<IResult> ListAsync(ScheduleStore schedules) =>
        ApiResults.Ok(new ScheduleList([.. (await schedules.ListAsync()).Select(s => ScheduleView.From(s))]), ApiJsonContext.Default.ScheduleList);

    private static async Task<IResult> PutAsync(
        string name, HttpRequest request, ScheduleStore schedules, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        RequireName(name);
        ScheduleDefinition definition;
        using (var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken))
        {
            definition = ScheduleSubmission.Parse(name, body.RootElement, clock.GetUtcNow());
        }

        var (schedule, created) = await schedules.PutAsync(definition);
        var view = ScheduleView.From(schedule);
        return created
            ? ApiResults.Created(request.HttpContext.Response, $"/schedules/{name}", view, ApiJsonContext.Default.ScheduleView)
            : ApiResults.Ok(view, ApiJsonContext.Default.ScheduleView);
    }

    private static async Task<IResult> GetAsync(string name, ScheduleStore schedules, JobStore jobs)
    {
        var schedule = await FindAsync(schedules, name);
        var nextRuns = schedule is { NextRunAt: { } next, Problem: null }
            ? [next, .. CronTimetable.Parse(schedule.Definition.Cron, schedule.Definition.TimeZone).NextAfter(next, NextRunsShown - 1)]
            : Array.Empty<DateTimeOffset>();
        var lastStatus = schedule.LastRun?.JobId is { } jobId ? (await jobs.GetAsync(jobId))?.Status : null;
        return ApiResults.Ok(ScheduleView.From(schedule, nextRuns, lastStatus), ApiJsonContext.Default.ScheduleView);
    }

    private static async Task<IResult> DeleteAsync(string name, ScheduleStore schedules)
    {
        RequireName(name);
        return await schedules.DeleteAsync(name) ? Results.NoContent() : throw new ScheduleNotFoundException(name);
    }

    private static async Task<IResult> TriggerAsync(string name, HttpResponse response, ScheduleStore schedules)
    {
        RequireName(name);
        var job = (await schedules.TriggerAsync(name)).Job;
        return ApiResults.Accepted(response, $"/jobs/{job.Id}", new JobAccepted(job.Id, job.Status), ApiJsonContext.Default.JobAccepted);
    }

    private static async Task<IResult> PauseAsync(string name, ScheduleStore schedules)
    {
        RequireName(name);
        return ApiResults.Ok(ScheduleView.From(await schedules.PauseAsync(name)), ApiJsonContext.Default.ScheduleView);
    }

    private static async Task<IResult> ResumeAsync(string name, ScheduleStore schedules)
    {
        RequireName(name);
        return ApiResults.Ok(ScheduleView.From(await schedules.ResumeAsync(name)), ApiJsonContext.Default.ScheduleView);
    }

    private static async Task<Schedule> FindAsync(ScheduleStore schedules, string name)
    {
        RequireName(name);
        return await schedules.GetAsync(name) ?? throw new ScheduleNotFoundException(name);
    }

    private static void RequireName(string name)
    {
        if (!ScheduleName.IsValid(name))
        {
            throw ProblemException.BadRequest("Invalid schedule name", $"A schedule's name is {ScheduleName.Rule}.");
        }
    }
}
