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
/// (what the queue's group limit counts running jobs by); and its owner, <c>"owner": "user-1"</c> (whose feed shows it); and
/// the jobs it waits for, <c>"depends_on": ["&lt;job id&gt;", {"job": "&lt;job id&gt;", "on_failure": "fail" | "continue" | "cancel"}]</c>.
/// In a workflow (<paramref name="inWorkflow"/> of <see cref="Parse"/>), a job may also carry <c>"ref": "resize-1"</c>, a
/// name the other jobs of the request give in <c>depends_on</c>.
/// </summary>
public sealed partial record JobSubmission(
    string Type, string PayloadJson, DateTimeOffset? RunAt, JobPolicy? Policy, string? Queue = null, string? Group = null, string? Owner = null,
    IReadOnlyList<DependencyRequest>? DependsOn = null, string? Ref = null)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(365);
    private static readonly string[] Fields = ["payload", "type", "queue", "group", "owner", "delay_ms", "run_at", "max_attempts", "backoff", "timeout_ms", "depends_on"];

    /// <summary>The job to enqueue, waiting for <paramref name="dependsOn"/> (its <see cref="DependsOn"/>, resolved by the caller).</summary>
    public NewJob ToNewJob(string? idempotencyKey, IReadOnlyList<JobDependency>? dependsOn) =>
        new(Type, PayloadJson, RunAt, idempotencyKey, Policy, Queue, Group, Owner, dependsOn);

    public static JobSubmission Parse(JsonElement body, DateTimeOffset now, bool inWorkflow = false)
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
        string? reference = null;
        IReadOnlyList<DependencyRequest>? dependsOn = null;
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
                case "depends_on":
                    dependsOn = ParseDependencies(property.Value);
                    break;
                case "ref" when inWorkflow && property.Value.ValueKind == JsonValueKind.String && JobGroup.IsValid(property.Value.GetString()):
                    reference = property.Value.GetString();
                    break;
                case "ref" when inWorkflow:
                    throw Invalid($"'ref' must be a string of {JobGroup.Rule}.");
                default:
                    throw Invalid($"Unknown field '{property.Name}'. Allowed fields: {string.Join(", ", inWorkflow ? [.. Fields, "ref"] : Fields)}.");
            }
        }

        if (policy.Problem() is { } problem)
        {
            throw Invalid(problem);
        }

        if (payload?.GetRawText() is not { } payloadJson)
        {
            throw Invalid("The field 'payload' is required (any JSON value, e.g. {\"payload\": {\"x\": 1}}).");
        }

        return JsonNesting.IsWithin(payloadJson, JsonNesting.MaxPayloadDepth)
            ? new JobSubmission(type, payloadJson, runAt, policy == new JobPolicy() ? null : policy, queue, group, owner, dependsOn, reference)
            : throw Invalid($"'payload' nests deeper than {JsonNesting.MaxPayloadDepth} levels (of arrays and objects), the most a payload may: " +
                "every answer that shows it, and a handler's result that holds it, must stay within what JSON readers read.");
    }

    /// <summary>
    /// <c>["&lt;job&gt;", {"job": "&lt;job&gt;", "on_failure": "continue"}]</c>: each a job id (or, in a workflow, a ref), with
    /// the edge's policy (default <c>fail</c>). Whether each names a job is checked where it is resolved.
    /// </summary>
    private static List<DependencyRequest> ParseDependencies(JsonElement list)
    {
        const string Shape = "'depends_on' must be a non-empty array of job ids, or of {\"job\": id, \"on_failure\": \"fail\" | \"continue\" | \"cancel\"}.";
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > JobStore.MaxBatch)
        {
            throw Invalid(Shape);
        }

        var dependencies = new List<DependencyRequest>();
        foreach (var item in list.EnumerateArray())
        {
            var (job, onFailure) = item.ValueKind switch
            {
                JsonValueKind.String => (item.GetString(), DependencyFailureNames.Fail),
                JsonValueKind.Object when item.EnumerateObject().All(p => p.Name is "job" or "on_failure") => (
                    item.TryGetProperty("job", out var j) && j.ValueKind == JsonValueKind.String ? j.GetString() : null,
                    item.TryGetProperty("on_failure", out var f) ? f.ValueKind == JsonValueKind.String ? f.GetString() : "" : DependencyFailureNames.Fail),
                _ => (null, null),
            };
            if (job is not { Length: > 0 and <= 128 })
            {
                throw Invalid(Shape);
            }

            if (!DependencyFailureNames.TryParse(onFailure, out var policy))
            {
                throw Invalid($"'on_failure' is one of: {DependencyFailureNames.Fail} (the default), {DependencyFailureNames.Continue}, {DependencyFailureNames.Cancel}.");
            }

            dependencies.Add(new DependencyRequest(job, policy));
        }

        return dependencies;
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

    // [0-9], not \d (any script's digits); \z, not $ (which also matches before a final newline).
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})\z")]
    private static partial Regex IsoWithOffset();
}

/// <summary>One entry of <c>depends_on</c>: the job waited for (a job id, or a ref of the same workflow) and the edge's policy.</summary>
public sealed record DependencyRequest(string Job, DependencyFailure OnFailure);
