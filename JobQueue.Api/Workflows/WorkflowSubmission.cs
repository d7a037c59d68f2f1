using System.Text.Json;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;

namespace JobQueue.Api.Workflows;

/// <summary>
/// A validated <c>POST /workflows</c> body (<see cref="Parse"/> throws a 400 <see cref="ProblemException"/> otherwise):
/// <c>{"jobs": [job, ...]}</c>, each job as in <c>POST /jobs</c> plus an optional <c>"ref"</c>, a name the request's other
/// jobs give in their <c>depends_on</c> (which may also name existing jobs by id; a ref wins over an id). Every job goes
/// to one queue (the graph lives in its hash slot). <see cref="Jobs"/> are ready for <see cref="JobStore.EnqueueManyAsync"/>,
/// refs resolved to positions; the store refuses cycles and unknown ids.
/// </summary>
public sealed record WorkflowSubmission(IReadOnlyList<NewJob> Jobs, IReadOnlyList<string?> Refs)
{
    public static WorkflowSubmission Parse(JsonElement body, DateTimeOffset now, string? idempotencyKey)
    {
        if (body.ValueKind != JsonValueKind.Object || body.EnumerateObject().Any(p => p.Name != "jobs")
            || !body.TryGetProperty("jobs", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("The body must be {\"jobs\": [{\"ref\": \"a\", \"type\": ..., \"payload\": ...}, {\"payload\": ..., \"depends_on\": [\"a\"]}]}.");
        }

        if (list.GetArrayLength() is 0 or > JobStore.MaxBatch)
        {
            throw Invalid($"A workflow has from 1 to {JobStore.MaxBatch} jobs.");
        }

        var submissions = new List<JobSubmission>();
        foreach (var job in list.EnumerateArray())
        {
            try
            {
                submissions.Add(JobSubmission.Parse(job, now, inWorkflow: true));
            }
            catch (ProblemException problem)
            {
                throw Invalid($"In jobs[{submissions.Count}]: {problem.Message}");
            }
        }

        if (submissions.Select(s => s.Queue).Distinct().Count() > 1)
        {
            throw Invalid("The jobs of a workflow go to one queue: a graph lives in one queue's hash slot, so each of its changes is one script.");
        }

        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < submissions.Count; i++)
        {
            if (submissions[i].Ref is { } reference && !positions.TryAdd(reference, i))
            {
                throw Invalid($"jobs[{i}]: the ref '{reference}' is used twice.");
            }
        }

        var jobs = submissions.Select((submission, i) => submission.ToNewJob(
            idempotencyKey is null ? null : IdempotencyKeys.WorkflowJob(idempotencyKey, i), // the whole request replays: each job under its own key
            submission.DependsOn?.Select(d => Resolve(d, i, positions)).ToList())).ToList();
        return new WorkflowSubmission(jobs, [.. submissions.Select(s => s.Ref)]);
    }

    private static JobDependency Resolve(DependencyRequest dependency, int job, Dictionary<string, int> positions) =>
        positions.TryGetValue(dependency.Job, out var position)
            ? JobDependency.OnBatchJob(position, dependency.OnFailure)
            : Guid.TryParseExact(dependency.Job, "D", out var id)
                ? JobDependency.On(id.ToString("D"), dependency.OnFailure)
                : throw Invalid($"jobs[{job}]: 'depends_on' names '{dependency.Job}', which is neither a ref of this workflow nor a job id.");

    private static ProblemException Invalid(string detail) => ProblemException.BadRequest("Invalid workflow", detail);
}
