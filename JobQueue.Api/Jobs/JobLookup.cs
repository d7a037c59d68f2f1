using JobQueue.Api.Http;
using JobQueue.Redis;

namespace JobQueue.Api.Jobs;

public static class JobLookup
{
    /// <summary>The job with this id, or the problem to answer: 400 for an id that is not a UUID, 404 for an unknown one.</summary>
    public static async Task<(JobRecord? Job, IResult? Problem)> FindAsync(JobStore store, string id)
    {
        if (!Guid.TryParseExact(id, "D", out var guid))
        {
            return (null, Problems.InvalidJobId(id));
        }

        var job = await store.GetAsync(guid.ToString("D"));
        return job is null
            ? (null, Problems.NotFound($"There is no job {guid:D} (it never existed, or it expired)."))
            : (job, null);
    }
}
