namespace JobQueue.Api.Http;

/// <summary>
/// A request the API refuses: thrown where the refusal is found, written as an RFC 9457 problem by
/// <see cref="ProblemExceptionHandler"/>, the one place errors become responses.
/// </summary>
public sealed class ProblemException(int status, string title, string detail, string? challenge = null) : Exception(detail)
{
    public int Status => status;

    public string Title => title;

    /// <summary>For a 401: the <c>WWW-Authenticate</c> challenge that says what to send.</summary>
    public string? Challenge => challenge;

    public static ProblemException Unauthorized(string title, string detail, string challenge) =>
        new(StatusCodes.Status401Unauthorized, title, detail, challenge);

    public static ProblemException Forbidden(string title, string detail) => new(StatusCodes.Status403Forbidden, title, detail);

    public static ProblemException BadRequest(string title, string detail) => new(StatusCodes.Status400BadRequest, title, detail);

    public static ProblemException TooLarge(int maxBytes) => new(StatusCodes.Status413PayloadTooLarge,
        "Request body too large", $"The body is larger than the limit of {maxBytes} bytes.");

    public static ProblemException UnsupportedMediaType(string? contentType) => new(StatusCodes.Status415UnsupportedMediaType,
        "Unsupported content type", $"Send the body as application/json (got '{contentType ?? "none"}').");

    public static ProblemException InvalidJobId(string id) => BadRequest("Invalid job id",
        $"'{(id.Length <= 64 ? id : id[..64] + "...")}' is not a job id: job ids are UUIDs such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301.");
}
