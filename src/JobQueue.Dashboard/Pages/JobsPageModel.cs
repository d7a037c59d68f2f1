using System.Globalization;
using JobQueue.Redis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JobQueue.Dashboard.Pages;

/// <summary>
/// What the Jobs page shows: one page of one queue's jobs, newest first, filtered as its query says (status, type,
/// owner, group, created from/until in UTC), from <c>cursor</c> on; and the queue's dead letters of the filtered type
/// when they are in view. Every filter is a query parameter, so a page is a link an operator can share.
/// </summary>
public sealed record JobsPageModel(
    string Queue, IReadOnlyList<string> Queues, JobsQuery Query, IReadOnlyList<JobRecord> Jobs, string? Next, long DeadLetters, string? Error)
{
    public const int PageSize = 50;

    internal static async Task<IResult> RenderAsync(HttpContext http, DashboardMount mount, string? queue)
    {
        var services = http.RequestServices;
        var query = JobsQuery.Read(http.Request.Query);
        var name = queue ?? query.Queue ?? services.GetRequiredService<IOptions<QueueOptions>>().Value.Name;
        JobsPageModel model;
        try
        {
            var jobs = services.GetRequiredService<JobStore>();
            var (page, next) = await jobs.ListAsync(query.Filter, PageSize, query.Cursor, name);
            // Without a type the queue's figure is the count (one XLEN); with one, the letters are counted (bounded).
            var deadLetters = query.Type is null
                ? (await services.GetRequiredService<QueueInspector>().StatsAsync(name)).DeadLetters
                : await services.GetRequiredService<DeadLetters>().CountAsync(name, query.Type);
            model = new(name, await services.GetRequiredService<QueueDirectory>().NamesAsync(), query, page, next, deadLetters, null);
        }
        catch (Exception e) when (e is ArgumentException or UnknownQueueException || RedisFailures.IsRedisFailure(e))
        {
            model = new(name, [], query, [], null, 0, e.Message);
        }

        return DashboardPage.Render<JobsPage>(http, mount, "jobs", model);
    }

    /// <summary>This page's link with the same filters, from <paramref name="cursor"/> on (null: the newest).</summary>
    public string PageLink(string? cursor) => QueryHelpers.AddQueryString($"queues/{Queue}/jobs", Query.Parameters(cursor));
}

/// <summary>The Jobs page's query: its filters and where its page starts.</summary>
public sealed record JobsQuery(string? Queue, string? Status, string? Type, string? Owner, string? Group, DateTimeOffset? From, DateTimeOffset? Until, string? Cursor)
{
    public JobFilter Filter => new(Status, Type, Owner, Group, From, Until);

    public static JobsQuery Read(IQueryCollection query)
    {
        string? Text(string key) => query[key].FirstOrDefault() is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        return new JobsQuery(Text("queue"), Text("status"), Text("type"), Text("owner"), Text("group"), Time(Text("from")), Time(Text("until")), Text("cursor"));
    }

    public IEnumerable<KeyValuePair<string, string?>> Parameters(string? cursor) =>
        new Dictionary<string, string?>
        {
            ["status"] = Status, ["type"] = Type, ["owner"] = Owner, ["group"] = Group,
            ["from"] = Format(From), ["until"] = Format(Until), ["cursor"] = cursor,
        }.Where(p => p.Value is not null);

    /// <summary>The time as a datetime-local input shows it (UTC, to the second).</summary>
    public static string? Format(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(string? value) =>
        DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? new DateTimeOffset(time, TimeSpan.Zero) : null;
}
