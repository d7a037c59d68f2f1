using System.Text.Json;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;

namespace JobQueue.Api.Schedules;

/// <summary>
/// A <c>PUT /schedules/{name}</c> body, checked (a 400 <see cref="ProblemException"/> otherwise):
/// <c>{"cron": "0 6 * * *", "time_zone": "Europe/Paris", "misfire": "catch_up" | "skip", "job": {a POST /jobs body}}</c>.
/// The job is checked by the very rules of <c>POST /jobs</c>, less <c>delay_ms</c> and <c>run_at</c> (each occurrence
/// sets when its job is due). The cron expression and the time zone are checked by <see cref="ScheduleDefinition.Validate"/>.
/// </summary>
public static class ScheduleSubmission
{
    private static readonly string[] Fields = ["cron", "time_zone", "misfire", "job"];

    public static ScheduleDefinition Parse(string name, JsonElement body, DateTimeOffset now)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("The body must be a JSON object such as {\"cron\": \"0 6 * * *\", \"job\": {\"payload\": {}}}.");
        }

        string? cron = null, zone = null;
        var misfire = MisfirePolicy.CatchUp;
        JobSubmission? job = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw Invalid($"The field '{property.Name}' appears more than once.");
            }

            switch (property.Name)
            {
                case "cron" when property.Value.ValueKind == JsonValueKind.String:
                    cron = property.Value.GetString();
                    break;
                case "time_zone" when property.Value.ValueKind == JsonValueKind.String:
                    zone = property.Value.GetString();
                    break;
                case "misfire" when MisfirePolicyNames.TryParse(property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null, out var policy):
                    misfire = policy;
                    break;
                case "misfire":
                    throw Invalid($"'misfire' is \"{MisfirePolicyNames.CatchUp}\" (one job for the occurrences missed while nothing ran; the default) or \"{MisfirePolicyNames.Skip}\".");
                case "job":
                    job = ParseJob(property.Value, now);
                    break;
                case "cron" or "time_zone":
                    throw Invalid($"'{property.Name}' must be a string.");
                default:
                    throw Invalid($"Unknown field '{property.Name}'. Allowed fields: {string.Join(", ", Fields)}.");
            }
        }

        if (cron is null || job is null)
        {
            throw Invalid("The fields 'cron' (e.g. \"0 6 * * *\", or with seconds \"*/30 * * * * *\") and 'job' (a POST /jobs body) are required.");
        }

        var definition = new ScheduleDefinition(name, cron,
            new NewJob(job.Type, job.PayloadJson, Policy: job.Policy, Queue: job.Queue, Group: job.Group, Owner: job.Owner),
            zone ?? "UTC", misfire);
        try
        {
            definition.Validate(now);
        }
        catch (InvalidScheduleException e)
        {
            throw Invalid(e.Message);
        }

        return definition;
    }

    private static JobSubmission ParseJob(JsonElement job, DateTimeOffset now)
    {
        if (job.ValueKind == JsonValueKind.Object && job.EnumerateObject().Any(p => p.Name is "delay_ms" or "run_at" or "depends_on"))
        {
            throw Invalid("A schedule's job has no 'delay_ms', 'run_at' or 'depends_on': each occurrence is due when the cron expression says.");
        }

        try
        {
            return JobSubmission.Parse(job, now);
        }
        catch (ProblemException problem)
        {
            throw Invalid($"In 'job': {problem.Message}");
        }
    }

    private static ProblemException Invalid(string detail) => ProblemException.BadRequest("Invalid schedule", detail);
}
