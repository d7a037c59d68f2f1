using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Connections;

namespace JobQueue.Api.Http;

/// <summary>
/// Reads a JSON request body under a size limit, turning every way it can be wrong into a 4xx problem:
/// wrong content type (415), too large (413), framing Kestrel cannot read (400), not UTF-8, not JSON, nested deeper than
/// readers read or holding a string that is not valid Unicode (400). Every endpoint reads its body here, so this is where a
/// body is decided on, once, before anything is written.
/// </summary>
public static class JsonBody
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = JsonNesting.ReaderMaxDepth };

    /// <summary>The body as a JSON document (dispose it), or a <see cref="ProblemException"/> saying what is wrong with it.</summary>
    public static async Task<JsonDocument> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            throw ProblemException.UnsupportedMediaType(request.ContentType);
        }

        if (request.ContentLength > maxBytes)
        {
            throw ProblemException.TooLarge(maxBytes);
        }

        var body = await ReadCappedAsync(request.Body, maxBytes, cancellationToken) ?? throw ProblemException.TooLarge(maxBytes);
        if (!Utf8.IsValid(body.Span))
        {
            throw ProblemException.BadRequest("The body is not valid UTF-8", "JSON bodies must be encoded as UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, ParseOptions);
        }
        catch (JsonException e)
        {
            throw ProblemException.BadRequest("The body is not valid JSON", e.Message);
        }

        if (JsonStrings.HaveLoneSurrogate(body.Span, JsonNesting.ReaderMaxDepth))
        {
            document.Dispose();
            throw ProblemException.BadRequest("The body is not valid Unicode",
                "A string (or a field name) escapes a lone surrogate, such as \\ud800 without the \\udc00-\\udfff that completes it: JSON strings must be valid Unicode.");
        }

        return document;
    }

    /// <summary>The body's bytes, or null once it passes <paramref name="maxBytes"/> (chunked bodies have no Content-Length).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadCappedAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await ReadFramedAsync(body, chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>
    /// Reads the next bytes of the body. A body whose framing Kestrel cannot read is the client's fault, whichever way Kestrel
    /// says so: a <see cref="BadHttpRequestException"/>, or an <see cref="IOException"/> (a chunk size that overflows is one),
    /// made one here so <see cref="ProblemExceptionHandler"/> answers both alike. A client that hung up is left as it is.
    /// </summary>
    private static async Task<int> ReadFramedAsync(Stream body, byte[] chunk, CancellationToken cancellationToken)
    {
        try
        {
            return await body.ReadAsync(chunk, cancellationToken);
        }
        catch (IOException e) when (e is not ConnectionResetException)
        {
            throw new BadHttpRequestException($"The body could not be read: {e.Message}", StatusCodes.Status400BadRequest, e);
        }
    }
}
