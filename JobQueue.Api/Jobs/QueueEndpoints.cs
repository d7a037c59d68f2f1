using System.Text.Json;
using JobQueue.Api.Http;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Jobs;

public static class QueueEndpoints
{
    /// <summary>
    /// The queues (<c>GET /queues</c>, one queue, pause, resume, limits), the default queue's state as it always
    /// read (<c>GET /queue</c>), and dead letters (<c>GET /dead-letters</c>, per queue).
    /// </summary>
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder routes)
    {
        var queues = routes.MapGroup("/queues").WithTags("Queues");
        queues.MapGet("/", ListAsync)
            .WithSummary("Every queue with its figures (waiting, running, scheduled, dead letters, totals), pause and limits")
            .Produces<QueueList>();
        queues.MapGet("/{name}", GetAsync)
            .WithSummary("One queue")
            .Produces<NamedQueueView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        queues.MapPost("/{name}/pause", PauseAsync)
            .WithSummary("Pause a queue: it accepts jobs but starts none until resumed; running jobs finish. Kept in Redis.")
            .Produces<NamedQueueView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        queues.MapPost("/{name}/resume", ResumeAsync)
            .WithSummary("Resume a paused queue")
            .Produces<NamedQueueView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        queues.MapPut("/{name}/limits", SetLimitsAsync)
            .WithSummary("Set a queue's limits, held by all workers together: {\"concurrency\": n, \"rate\": {\"max\": n, \"period_ms\": n}, \"group_concurrency\": n}; null lifts one")
            .Accepts<QueueLimitsView>("application/json")
            .Produces<NamedQueueView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        queues.MapPut("/{name}/event-log", SetEventLogAsync)
            .WithSummary("Set how many changes the queue's event log keeps (about): {\"max_length\": n}, 0 turns it off (the default: it costs about 8% of drain throughput)")
            .Produces<NamedQueueView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        routes.MapGet("/queue", StatsAsync).WithTags("Queues")
            .WithSummary("The default queue: stream length, running entries, consumers, scheduled jobs, dead letters, totals")
            .Produces<QueueView>();
        routes.MapGet("/dead-letters", DeadLettersAsync).WithTags("Queues")
            .WithSummary("A queue's jobs that failed for good (?queue=, default: the default queue), newest first, with their error and attempts")
            .Produces<DeadLetterPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        routes.MapPost("/dead-letters/retry", RetryDeadLettersAsync).WithTags("Queues")
            .WithSummary($"Queue again the failed jobs of a queue's dead letters (?queue=, ?type= to retry only one type); at most {DeadLetters.MaxPerAction} per call")
            .Produces<DeadLettersActedOn>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        routes.MapDelete("/dead-letters", DeleteDeadLettersAsync).WithTags("Queues")
            .WithSummary($"Delete a queue's dead letters with their jobs (?queue=, ?type= to delete only one type); at most {DeadLetters.MaxPerAction} per call")
            .Produces<DeadLettersActedOn>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<IResult> RetryDeadLettersAsync(DeadLetters letters, QueueDirectory queues, string? queue, string? type) =>
        ApiResults.Ok(new DeadLettersActedOn(await letters.RetryAsync(await QueueLookup.FindAsync(queues, queue), TypeFilter(type))),
            ApiJsonContext.Default.DeadLettersActedOn);

    private static async Task<IResult> DeleteDeadLettersAsync(DeadLetters letters, QueueDirectory queues, string? queue, string? type) =>
        ApiResults.Ok(new DeadLettersActedOn(await letters.DeleteAsync(await QueueLookup.FindAsync(queues, queue), TypeFilter(type))),
            ApiJsonContext.Default.DeadLettersActedOn);

    private static string? TypeFilter(string? type) =>
        type is null || JobTypeName.IsValid(type) ? type : throw ProblemException.BadRequest("Invalid type", $"'type' is a job type name: {JobTypeName.Rule}.");

    private static async Task<IResult> ListAsync(QueueInspector inspector) =>
        ApiResults.Ok(new QueueList([.. (await inspector.AllStatsAsync()).Select(NamedQueueView.From)]), ApiJsonContext.Default.QueueList);

    private static async Task<IResult> GetAsync(string name, QueueDirectory queues, QueueInspector inspector) =>
        await ViewAsync(await QueueLookup.FindAsync(queues, name), inspector);

    private static async Task<IResult> PauseAsync(string name, QueueDirectory queues, QueueControls controls, QueueInspector inspector)
    {
        var queue = await QueueLookup.FindAsync(queues, name);
        await controls.PauseAsync(queue);
        return await ViewAsync(queue, inspector);
    }

    private static async Task<IResult> ResumeAsync(string name, QueueDirectory queues, QueueControls controls, QueueInspector inspector)
    {
        var queue = await QueueLookup.FindAsync(queues, name);
        await controls.ResumeAsync(queue);
        return await ViewAsync(queue, inspector);
    }

    private static async Task<IResult> SetLimitsAsync(
        string name, HttpRequest request, QueueDirectory queues, QueueControls controls, QueueInspector inspector,
        IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var queue = await QueueLookup.FindAsync(queues, name);
        QueueLimits limits;
        using (var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken))
        {
            limits = QueueLimitsSubmission.Parse(body.RootElement);
        }

        await controls.SetLimitsAsync(queue, limits);
        return await ViewAsync(queue, inspector);
    }

    private static async Task<IResult> SetEventLogAsync(
        string name, HttpRequest request, QueueDirectory queues, QueueControls controls, QueueInspector inspector,
        IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var queue = await QueueLookup.FindAsync(queues, name);
        using (var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken))
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Count() != 1
                || !root.TryGetProperty("max_length", out var length) || length.ValueKind != JsonValueKind.Number || !length.TryGetInt32(out var n) || n is < 0 or > QueueControls.MaxEventLogLength)
            {
                throw ProblemException.BadRequest("Invalid event log setting",
                    $"The body is {{\"max_length\": n}}, n from 0 (off) to {QueueControls.MaxEventLogLength}.");
            }

            await controls.SetEventLogLengthAsync(queue, n);
        }

        return await ViewAsync(queue, inspector);
    }

    private static async Task<IResult> ViewAsync(string queue, QueueInspector inspector) =>
        ApiResults.Ok(NamedQueueView.From(await inspector.StatsAsync(queue)), ApiJsonContext.Default.NamedQueueView);

    private static async Task<IResult> StatsAsync(QueueInspector queue)
    {
        var stats = await queue.StatsAsync();
        var view = new QueueView(
            stats.StreamLength, stats.Pending,
            [.. stats.Consumers.Select(c => new ConsumerView(c.Name, c.Pending, (long)c.Idle.TotalMilliseconds))],
            stats.Scheduled, stats.DeadLetters,
            stats.Totals.GetValueOrDefault(JobStatus.Done), stats.Totals.GetValueOrDefault(JobStatus.Failed),
            stats.Totals.GetValueOrDefault(JobStatus.Canceled));
        return ApiResults.Ok(view, ApiJsonContext.Default.QueueView);
    }

    private static async Task<IResult> DeadLettersAsync(QueueInspector inspector, QueueDirectory queues, int? limit, string? cursor, string? queue)
    {
        var name = await QueueLookup.FindAsync(queues, queue);
        if (limit is < 1 or > 100)
        {
            throw ProblemException.BadRequest("Invalid limit", "'limit' is from 1 to 100 (default 20).");
        }

        // A page ends before its cursor; nothing is before 0-0, which no letter has (and Redis refuses as an exclusive end).
        if (cursor is not null && !(StreamEntryId.TryParse(cursor, out var after) && after > StreamEntryId.Min))
        {
            throw ProblemException.BadRequest("Invalid cursor", "Pass back the next_cursor of the previous page.");
        }

        var (letters, next) = await inspector.DeadLettersAsync(limit ?? 20, cursor, name);
        var page = new DeadLetterPage([.. letters.Select(l => new DeadLetterView(l.EntryId, l.JobId, l.Type, l.Attempts, l.Error, l.FailedAt))], next);
        return ApiResults.Ok(page, ApiJsonContext.Default.DeadLetterPage);
    }
}
