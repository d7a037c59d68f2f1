namespace JobQueue.Api.Http;

/// <summary>The RFC 9457 problem responses the API answers bad requests with.</summary>
public static class Problems
{
    public static IResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);

    public static IResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Job not found");

    public static IResult Conflict(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title);

    public static IResult TooLarge(int maxBytes) =>
        TypedResults.Problem($"The body is larger than the limit of {maxBytes} bytes.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large");

    public static IResult UnsupportedMediaType(string? contentType) =>
        TypedResults.Problem($"Send the body as application/json (got '{contentType ?? "none"}').",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type");

    public static IResult InvalidJobId(string id) =>
        BadRequest("Invalid job id", $"'{Truncate(id)}' is not a job id: job ids are UUIDs such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301.");

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
