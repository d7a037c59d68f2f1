using System.ComponentModel.DataAnnotations;

namespace JobQueue.Api;

/// <summary>Settings of the HTTP API (configuration section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest request body accepted for a job submission; larger ones get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a live connection (SSE, WebSocket) may stay silent before a keep-alive ping.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
}
