using System.Text.RegularExpressions;

namespace JobQueue;

/// <summary>The rule for queue names: the same as for job types (a name is also the queue's Redis hash tag).</summary>
public static partial class QueueName
{
    /// <summary>The pattern a name matches (for validation attributes).</summary>
    public const string Pattern = JobTypeName.Pattern;

    /// <summary>What a valid name looks like, for messages.</summary>
    public const string Rule = JobTypeName.Rule;

    public static bool IsValid(string? name) => name is not null && Regex().IsMatch(name);

    [GeneratedRegex(Pattern)]
    private static partial Regex Regex();
}
