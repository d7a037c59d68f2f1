using System.Text.Json;
using System.Text.Unicode;

namespace JobQueue.Api.Http;

/// <summary>
/// Reads a JSON request body under a size limit, turning every way it can be wrong into a 4xx problem:
/// wrong content type (415), too large (413), not UTF-8 or not JSON (400).
/// </summary>
public static class JsonBody
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64 };

    /// <summary>Reads the body and passes its root to <paramref name="handle"/>, or answers the problem with it.</summary>
    public static async Task<IResult> HandleAsync(
        HttpRequest request, int maxBytes, Func<JsonElement, Task<IResult>> handle, CancellationToken cancellationToken)
    {
        var (document, problem) = await ReadAsync(request, maxBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            return await handle(document!.RootElement);
        }
    }

    private static async Task<(JsonDocument? Document, IResult? Problem)> ReadAsync(
        HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problems.UnsupportedMediaType(request.ContentType));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, Problems.TooLarge(maxBytes));
        }

        var body = await ReadCappedAsync(request.Body, maxBytes, cancellationToken);
        if (body is null)
        {
            return (null, Problems.TooLarge(maxBytes));
        }

        if (!Utf8.IsValid(body.Value.Span))
        {
            return (null, Problems.BadRequest("The body is not valid UTF-8", "JSON bodies must be encoded as UTF-8."));
        }

        try
        {
            return (JsonDocument.Parse(body.Value, ParseOptions), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest("The body is not valid JSON", e.Message));
        }
    }

    /// <summary>The body's bytes, or null once it passes <paramref name="maxBytes"/> (chunked bodies have no Content-Length).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadCappedAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
