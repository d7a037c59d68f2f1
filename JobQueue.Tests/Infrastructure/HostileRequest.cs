using System.Text;

namespace JobQueue.Tests.Infrastructure;

/// <summary>What an accepted request made that the test reads back (and undoes, where it would disturb the next cases).</summary>
public enum Made
{
    Nothing,
    Jobs,
    Schedule,
    QueueSettings,
}

/// <summary>One generated request: JSON bodies are text (a lone surrogate is an escape in it), paths and queries percent-encoded.</summary>
public sealed record HostileRequest(string Method, string Path, string? Body = null, Made Makes = Made.Nothing, IReadOnlyList<(string Name, string Value)>? Headers = null)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), Path);
        if (Body is not null)
        {
            message.Content = new StringContent(Body, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in Headers ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    public override string ToString()
    {
        var headers = string.Concat((Headers ?? []).Select(h => $" [{h.Name}: {h.Value}]"));
        var body = Body is null ? "" : " " + (Body.Length <= 400 ? Body : Body[..400] + $"... ({Body.Length} characters)");
        return $"{Method} {(Path.Length <= 400 ? Path : Path[..400] + "...")}{headers}{body}";
    }
}
