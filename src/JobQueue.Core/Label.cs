using System.Text.RegularExpressions;

namespace JobQueue;

/// <summary>
/// The one rule for the names a job carries beside its type (its group, its owner): short, and safe in a Redis
/// key and a URL path, so a user id or a tenant id fits as it is. "." and ".." alone are not: a URL path segment of
/// only dots is removed by every client before the request leaves (RFC 3986, 5.2.4), so no feed or schedule so named
/// could be reached.
/// </summary>
internal static partial class Label
{
    public const string Rule = "1-128 letters, digits, '.', '_', ':', '@' or '-', not '.' or '..' alone";

    public static bool IsValid(string? label) => label is not null && Pattern().IsMatch(label);

    // \z, not $: .NET's $ also matches before a final newline.
    [GeneratedRegex(@"^(?!\.{1,2}\z)[A-Za-z0-9_.:@-]{1,128}\z")]
    private static partial Regex Pattern();
}
