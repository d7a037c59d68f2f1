using System.Text.Json;
using JobQueue.Api.Http;

namespace JobQueue.Api.Jobs;

/// <summary>
/// A validated <c>PUT /queues/{name}/limits</c> body: <c>{"concurrency": 5, "rate": {"max": 100, "period_ms": 1000}, "group_concurrency": 2}</c>.
/// Each part is optional; absent or null, that limit is lifted. Anything else is a 400 problem, nothing written.
/// </summary>
public static class QueueLimitsSubmission
{
    private const string Shape = "The body is {\"concurrency\": n or null, \"rate\": {\"max\": n, \"period_ms\": n} or null, \"group_concurrency\": n or null}.";

    public static QueueLimits Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(Shape);
        }

        var limits = QueueLimits.None;
        foreach (var property in body.EnumerateObject())
        {
            limits = (property.Name, property.Value.ValueKind) switch
            {
                ("concurrency", JsonValueKind.Null) or ("rate", JsonValueKind.Null) or ("group_concurrency", JsonValueKind.Null) => limits,
                ("concurrency", JsonValueKind.Number) when property.Value.TryGetInt32(out var n) => limits with { Concurrency = n },
                ("group_concurrency", JsonValueKind.Number) when property.Value.TryGetInt32(out var g) => limits with { GroupConcurrency = g },
                ("rate", JsonValueKind.Object) => ParseRate(property.Value, limits),
                _ => throw Invalid($"'{property.Name}' is not allowed here. {Shape}"),
            };
        }

        return limits.Problem() is { } problem ? throw Invalid("The limits are out of range: " + problem) : limits;
    }

    private static QueueLimits ParseRate(JsonElement rate, QueueLimits limits)
    {
        int? max = null;
        long? periodMs = null;
        foreach (var property in rate.EnumerateObject())
        {
            switch (property.Name)
            {
                case "max" when property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var m):
                    max = m;
                    break;
                case "period_ms" when property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out var p)
                                      && p is >= 0 and <= int.MaxValue:
                    periodMs = p;
                    break;
                default:
                    throw Invalid($"rate.{property.Name} is not allowed here. {Shape}");
            }
        }

        return (max, periodMs) is ({ } rateMax, { } period)
            ? limits with { RateMax = rateMax, RatePeriod = TimeSpan.FromMilliseconds(period) }
            : throw Invalid("A rate limit needs both 'max' and 'period_ms'.");
    }

    private static ProblemException Invalid(string detail) => ProblemException.BadRequest("Invalid queue limits", detail);
}
