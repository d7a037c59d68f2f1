using System.Text.RegularExpressions;

namespace JobQueue;

/// <summary>
/// The rule for a job's group: the key (a tenant, a user) a queue's <see cref="QueueLimits.GroupConcurrency"/> counts
/// running jobs by, so one group cannot take every worker.
/// </summary>
public static partial class JobGroup
{
    /// <summary>What a valid group looks like, for messages.</summary>
    public const string Rule = "1-128 letters, digits, '.', '_', ':', '@' or '-'";

    public static bool IsValid(string? group) => group is not null && Pattern().IsMatch(group);

    [GeneratedRegex("^[A-Za-z0-9_.:@-]{1,128}$")]
    private static partial Regex Pattern();
}
