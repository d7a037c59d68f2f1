using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using JobQueue.Api.Http;

namespace JobQueue.Api.Jobs;

/// <summary>
/// A validated <c>POST /jobs</c> body (<see cref="Parse"/> throws a 400 <see cref="ProblemException"/> otherwise):
/// <c>{"payload": any JSON, "type": "echo", "delay_ms": 0}</c> or with
/// <c>"run_at": "2030-01-01T00:00:00Z"</c> instead of <c>delay_ms</c>; and the job's own policy, each part optional:
/// <c>"max_attempts": 5, "backoff": {"type": "exponential", "delay_ms": 1000, "max_delay_ms": 60000}, "timeout_ms": 30000</c>;
/// the queue it goes to, <c>"queue": "emails"</c> (absent: the default queue); and its group, <c>"group": "tenant-42"</c>
/// (what the queue's group limit counts running jobs by); and its owner, <c>"owner": "user-1"</c> (whose feed shows it).
/// </summary>
public sealed partial record JobSubmission(
    string Type, string PayloadJson, DateTimeOffset? RunAt, JobPolicy? Policy, string? Queue = null, string? Group = null, string? Owner = null)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(365);
    private static readonly string[] Fields = ["payload", "type", "queue", "group", "owner", "delay_ms", "run_at", "max_attempts", "backoff", "timeout_ms"];

    public static JobSubmission Parse(JsonElement body, DateTimeOffset now)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"The body must be a JSON object such as {{\"payload\": {{\"x\": 1}}}}, not {Describe(body.ValueKind)}.");
        }

        JsonElement? payload = null;
        DateTimeOffset? runAt = null;
        var policy = new JobPolicy();
        var type = JobTypeName.Default;
        string? queue = null;
        string? group = null;
        string? owner = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw Invalid($"The field '{property.Name}' appears more than once.");
            }

            switch (property.Name)
            {
                case "payload":
                    payload = property.Value;
                    break;
                case "type" when property.Value.ValueKind == JsonValueKind.String
                                 && JobTypeName.IsValid(property.Value.GetString()):
                    type = property.Value.GetString()!;
                    break;
                case "type":
                    throw Invalid($"'type' must be a string of {JobTypeName.Rule}.");
                case "queue" when property.Value.ValueKind == JsonValueKind.String && QueueName.IsValid(property.Value.GetString()):
                    queue = property.Value.GetString()!;
                    break;
                case "queue":
                    throw Invalid($"'queue' must be a string of {QueueName.Rule}.");
                case "group" when property.Value.ValueKind == JsonValueKind.String && JobGroup.IsValid(property.Value.GetString()):
                    group = property.Value.GetString()!;
                    break;
                case "group":
                    throw Invalid($"'group' must be a string of {JobGroup.Rule}.");
                case "owner" when property.Value.ValueKind == JsonValueKind.String && JobOwner.IsValid(property.Value.GetString()):
                    owner = property.Value.GetString()!;
                    break;
                case "owner":
                    throw Invalid($"'owner' must be a string of {JobOwner.Rule}.");
                case "delay_ms" when runAt is null && property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out var delay) && delay >= 0 && delay <= MaxDelay.TotalMilliseconds:
                    runAt = now.AddMilliseconds(delay);
                    break;
                case "delay_ms":
                    throw Invalid($"'delay_ms' must be a whole number of milliseconds from 0 to {(long)MaxDelay.TotalMilliseconds}, and not given with 'run_at'.");
                case "run_at" when runAt is null && property.Value.ValueKind == JsonValueKind.String
                                   && DateTimeOffset.TryParse(property.Value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                                   && IsoWithOffset().IsMatch(property.Value.GetString()!) && at - now <= MaxDelay:
                    runAt = at;
                    break;
                case "run_at":
                    throw Invalid("'run_at' must be an ISO 8601 date and time with an offset, e.g. \"2030-01-01T09:00:00Z\", within a year, and not given with 'delay_ms'.");
                case "max_attempts" when property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var attempts):
                    policy = policy with { MaxAttempts = attempts };
                    break;
                case "max_attempts":
                    throw Invalid($"'max_attempts' must be a whole number from 1 to {JobPolicy.MaxAttemptsLimit}.");
                case "timeout_ms" when Milliseconds(property.Value) is { } timeout:
                    policy = policy with { Timeout = timeout };
                    break;
                case "timeout_ms":
                    throw Invalid("'timeout_ms' must be a whole number of milliseconds.");
                case "backoff":
                    policy = policy with { Backoff = ParseBackoff(property.Value) };
                    break;
                default:
                    throw Invalid($"Unknown field '{property.Name}'. Allowed fields: {string.Join(", ", Fields)}.");
            }
        }

        if (policy.Problem() is { } problem)
        {
            throw Invalid(problem);
        }

        return payload is { } value
            ? new JobSubmission(type, value.GetRawText(), runAt, policy == new JobPolicy() ? null : policy, queue, group, owner)
            : throw Invalid("The field 'payload' is required (any JSON value, e.g. {\"payload\": {\"x\": 1}}).");
    }

    /// <summary><c>{"type": "fixed" | "exponential", "delay_ms": n, "max_delay_ms": n}</c>; bounds are checked with the whole policy.</summary>
    private static Backoff ParseBackoff(JsonElement backoff)
    {
        const string Shape = "'backoff' must be {\"type\": \"fixed\" or \"exponential\", \"delay_ms\": n, \"max_delay_ms\": n (exponential only, optional)}.";
        if (backoff.ValueKind != JsonValueKind.Object || backoff.EnumerateObject().Any(p => p.Name is not ("type" or "delay_ms" or "max_delay_ms")))
        {
            throw Invalid(Shape);
        }

        var kind = backoff.TryGetProperty("type", out var t) ? t.ValueKind == JsonValueKind.String ? t.GetString() : null : null;
        var delay = backoff.TryGetProperty("delay_ms", out var d) ? Milliseconds(d) : null;
        TimeSpan? max = null;
        if (backoff.TryGetProperty("max_delay_ms", out var m))
        {
            max = Milliseconds(m) ?? throw Invalid(Shape);
        }

        return (kind, delay) switch
        {
            ("fixed", { } fixedDelay) => max is null ? Backoff.Fixed(fixedDelay) : throw Invalid("backoff.max_delay_ms applies to exponential back-off only."),
            ("exponential", { } first) => Backoff.Exponential(first, max),
            _ => throw Invalid(Shape),
        };
    }

    private static TimeSpan? Milliseconds(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms) && ms is >= 0 and <= 365L * 24 * 3600 * 1000
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    private static ProblemException Invalid(string detail) => ProblemException.BadRequest("Invalid job submission", detail);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => "a boolean",
    };

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex IsoWithOffset();
}
