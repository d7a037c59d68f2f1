using System.Text.Json;
using System.Text.RegularExpressions;
using JobQueue.Api.Http;

namespace JobQueue.Api.Jobs;

/// <summary>A validated <c>POST /jobs</c> body: <c>{"payload": any JSON, "type": "echo"}</c>.</summary>
public sealed partial record JobSubmission(string Type, string PayloadJson)
{
    public const string DefaultType = "echo";

    private static readonly string[] Fields = ["payload", "type"];

    public static (JobSubmission? Submission, IResult? Problem) Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Invalid($"The body must be a JSON object such as {{\"payload\": {{\"x\": 1}}}}, not {Describe(body.ValueKind)}.");
        }

        JsonElement? payload = null;
        var type = DefaultType;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                return Invalid($"The field '{property.Name}' appears more than once.");
            }

            switch (property.Name)
            {
                case "payload":
                    payload = property.Value;
                    break;
                case "type" when property.Value.ValueKind == JsonValueKind.String
                                 && TypePattern().IsMatch(property.Value.GetString()!):
                    type = property.Value.GetString()!;
                    break;
                case "type":
                    return Invalid("'type' must be a string of 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter.");
                default:
                    return Invalid($"Unknown field '{property.Name}'. Allowed fields: {string.Join(", ", Fields)}.");
            }
        }

        return payload is { } value
            ? (new JobSubmission(type, value.GetRawText()), null)
            : Invalid("The field 'payload' is required (any JSON value, e.g. {\"payload\": {\"x\": 1}}).");
    }

    private static (JobSubmission?, IResult?) Invalid(string detail) =>
        (null, Problems.BadRequest("Invalid job submission", detail));

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => "a boolean",
    };

    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,63}$")]
    private static partial Regex TypePattern();
}
