using System.Text;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// An HTTP/1.1 response read off a socket, for requests no HTTP client would send (malformed framing): the server closes
/// the connection after refusing them, so the response is whatever came before the close.
/// </summary>
public sealed record RawResponse(int Status, string? ContentType, string Body)
{
    public static async Task<RawResponse> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cancellationToken);
        var text = Encoding.UTF8.GetString(received.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = (headEnd < 0 ? text : text[..headEnd]).Split("\r\n");
        var headers = head.Skip(1).Select(line => line.Split(':', 2)).Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = headEnd < 0 ? "" : text[(headEnd + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return new RawResponse(int.Parse(head[0].Split(' ')[1]),
            headers.TryGetValue("Content-Type", out var type) ? type.Split(';')[0] : null, body);
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (chunked.IndexOf("\r\n", at, StringComparison.Ordinal) is var end and > 0
               && Convert.ToInt32(chunked[at..end].Split(';')[0], 16) is var size and > 0)
        {
            body.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }

        return body.ToString();
    }
}
