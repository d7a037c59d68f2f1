namespace JobQueue.Api.Jobs;

public static class JobLookup
{
    /// <summary>The job with this id; a 400 problem for an id that is not a UUID, <see cref="JobNotFoundException"/> (404) for an unknown one.</summary>
    public static Task<JobRecord> FindAsync(JobStore store, string id) => store.GetRequiredAsync(Normalize(id));

    /// <summary>The id in the form the store keeps (lower-case UUID), or a 400 problem.</summary>
    public static string Normalize(string id) =>
        Guid.TryParseExact(id, "D", out var guid) ? guid.ToString("D") : throw Http.ProblemException.InvalidJobId(id);
}
