namespace JobQueue;

/// <summary>
/// A job's place in its workflow, as <c>GET /jobs/{id}</c> shows it: the jobs it depends on and the jobs that depend on
/// it, each with its current status, the first <see cref="JobStore.MaxLinksShown"/> of each (the totals count them all).
/// </summary>
public sealed record JobLinks(IReadOnlyList<LinkedJob> Dependencies, int DependenciesTotal, IReadOnlyList<LinkedJob> Dependants, int DependantsTotal)
{
    public static readonly JobLinks None = new([], 0, [], 0);
}

/// <summary>A job at the other end of an edge: its status (null once its record expired) and the edge's policy.</summary>
public sealed record LinkedJob(string Id, string? Status, DependencyFailure OnFailure);
