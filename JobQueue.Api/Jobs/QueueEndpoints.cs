using System.Text.RegularExpressions;
using JobQueue.Api.Http;
using JobQueue.Redis;

namespace JobQueue.Api.Jobs;

public static partial class QueueEndpoints
{
    /// <summary><c>GET /queue</c> (the queue's state and totals) and <c>GET /dead-letters</c> (jobs that failed for good).</summary>
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/queue", StatsAsync).WithTags("Queue")
            .WithSummary("The queue: stream length, running entries, consumers, scheduled jobs, dead letters, totals")
            .Produces<QueueView>();
        routes.MapGet("/dead-letters", DeadLettersAsync).WithTags("Queue")
            .WithSummary("Jobs that failed for good, newest first, with their error and attempts")
            .Produces<DeadLetterPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return routes;
    }

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

    private static async Task<IResult> DeadLettersAsync(QueueInspector queue, int? limit, string? cursor)
    {
        if (limit is < 1 or > 100)
        {
            throw ProblemException.BadRequest("Invalid limit", "'limit' is from 1 to 100 (default 20).");
        }

        if (cursor is not null && !EntryIdPattern().IsMatch(cursor))
        {
            throw ProblemException.BadRequest("Invalid cursor", "Pass back the next_cursor of the previous page.");
        }

        var (letters, next) = await queue.DeadLettersAsync(limit ?? 20, cursor);
        var page = new DeadLetterPage([.. letters.Select(l => new DeadLetterView(l.EntryId, l.JobId, l.Type, l.Attempts, l.Error, l.FailedAt))], next);
        return ApiResults.Ok(page, ApiJsonContext.Default.DeadLetterPage);
    }

    [GeneratedRegex("^\\d{1,20}-\\d{1,20}$")]
    private static partial Regex EntryIdPattern();
}
