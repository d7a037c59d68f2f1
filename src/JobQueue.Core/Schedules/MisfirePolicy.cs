namespace JobQueue;

/// <summary>
/// What a schedule does about occurrences it missed (no scheduler ran while they fell due, or it ran more than
/// <see cref="QueueOptions.ScheduleMisfireGrace"/> late): never a storm of one job per missed occurrence.
/// </summary>
public enum MisfirePolicy
{
    /// <summary>Runs one job for them all, as of the latest missed occurrence (the default: a daily report still gets made).</summary>
    CatchUp,

    /// <summary>Runs nothing for them; the schedule goes on from its next occurrence.</summary>
    Skip,
}

/// <summary>The names a <see cref="MisfirePolicy"/> has in the API and in Redis: <c>catch_up</c>, <c>skip</c>.</summary>
public static class MisfirePolicyNames
{
    public const string CatchUp = "catch_up", Skip = "skip";

    public static string ToName(this MisfirePolicy policy) => policy == MisfirePolicy.Skip ? Skip : CatchUp;

    public static bool TryParse(string? name, out MisfirePolicy policy)
    {
        (var known, policy) = name switch
        {
            CatchUp => (true, MisfirePolicy.CatchUp),
            Skip => (true, MisfirePolicy.Skip),
            _ => (false, MisfirePolicy.CatchUp),
        };
        return known;
    }
}
