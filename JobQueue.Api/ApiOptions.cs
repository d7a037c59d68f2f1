using System.ComponentModel.DataAnnotations;

namespace JobQueue.Api;

/// <summary>Settings of the HTTP API (configuration section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest request body accepted for a job submission; larger ones get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Key every request must carry in <c>X-Api-Key</c>. Outside Development one is required unless <see cref="AllowAnonymous"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Outside Development, run without an API key anyway (behind a gateway that authenticates, say).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Submissions (<c>POST /jobs</c>, <c>/submit</c>) one client (API key, else address) may make per second; bursts up to twice that.</summary>
    [Range(1, 1_000_000)]
    public int SubmitRateLimit { get; set; } = 2000;

    /// <summary>
    /// Queues this API makes ready at start (registered, with their consumer group) besides the default one, so it accepts
    /// their jobs before any worker of theirs has run: what a pool that scales to zero needs (<c>Api:Queues:0=emails</c>).
    /// </summary>
    public string[] Queues { get; set; } = [];

    /// <summary>How long a live connection (SSE, WebSocket) may stay silent before a keep-alive ping.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
}
