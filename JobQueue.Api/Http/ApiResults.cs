using System.Text.Json.Serialization.Metadata;

namespace JobQueue.Api.Http;

/// <summary>Success responses written with the API's source-generated (snake_case) JSON contract.</summary>
public static class ApiResults
{
    public static IResult Ok<T>(T value, JsonTypeInfo<T> contract) => Results.Json(value, contract);

    /// <summary>202 for a request that made several resources (each named in the body).</summary>
    public static IResult Accepted<T>(T value, JsonTypeInfo<T> contract) => Results.Json(value, contract, statusCode: StatusCodes.Status202Accepted);

    public static IResult Accepted<T>(HttpResponse response, string location, T value, JsonTypeInfo<T> contract) =>
        WithLocation(response, location, value, contract, StatusCodes.Status202Accepted);

    public static IResult Created<T>(HttpResponse response, string location, T value, JsonTypeInfo<T> contract) =>
        WithLocation(response, location, value, contract, StatusCodes.Status201Created);

    private static IResult WithLocation<T>(HttpResponse response, string location, T value, JsonTypeInfo<T> contract, int status)
    {
        response.Headers.Location = location;
        return Results.Json(value, contract, statusCode: status);
    }
}
