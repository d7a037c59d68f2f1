using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace JobQueue;

/// <summary>The rule for job type names, and the name a typed payload is enqueued and handled under.</summary>
public static partial class JobTypeName
{
    /// <summary>The type jobs get when their submitter names none (the echo job).</summary>
    public const string Default = "echo";

    /// <summary>
    /// The pattern a name matches. <c>\z</c>, not <c>$</c>: .NET's <c>$</c> also matches before a final newline, which would
    /// let <c>"echo\n"</c> through.
    /// </summary>
    public const string Pattern = @"^[a-z][a-z0-9_.-]{0,63}\z";

    /// <summary>What a valid name looks like, for messages.</summary>
    public const string Rule = "1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter";

    public static bool IsValid(string? name) => name is not null && Regex().IsMatch(name);

    /// <summary>The job type of payloads of type <typeparamref name="TPayload"/>.</summary>
    public static string Of<TPayload>() => Cache<TPayload>.Name;

    /// <summary>The job type of payloads of type <paramref name="payloadType"/>: its <see cref="JobTypeAttribute"/>, else its name in kebab case.</summary>
    public static string Of(Type payloadType)
    {
        var name = payloadType.GetCustomAttribute<JobTypeAttribute>()?.Name ?? KebabCase(payloadType.Name);
        return IsValid(name)
            ? name
            : throw new InvalidOperationException(
                $"'{name}' (from {payloadType.FullName}) is not a valid job type name ({Rule}); name it with [JobType(\"...\")].");
    }

    private static string KebabCase(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || i + 1 < name.Length && char.IsLower(name[i + 1])))
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    private static class Cache<TPayload>
    {
        public static readonly string Name = Of(typeof(TPayload));
    }

    [GeneratedRegex(Pattern)]
    private static partial Regex Regex();
}
