namespace JobQueue;

/// <summary>The rule for a schedule's name: the same as a job's group or owner, so it is safe in a Redis key and a URL path.</summary>
public static class ScheduleName
{
    /// <summary>What a valid name looks like, for messages.</summary>
    public const string Rule = Label.Rule;

    public static bool IsValid(string? name) => Label.IsValid(name);
}
