using System.ComponentModel.DataAnnotations;

namespace JobQueue.Api.Feeds;

/// <summary>Settings of the live feeds and their tokens (configuration section <c>Api:Feeds</c>).</summary>
public sealed class FeedOptions
{
    public const string SectionName = "Api:Feeds";

    /// <summary>
    /// Key feed tokens are signed with (HMAC-SHA256; at least 32 characters), the same on every API replica. Unset, each
    /// process makes one up at start, and a token then opens feeds only on the replica that issued it.
    /// </summary>
    [MinLength(32)]
    public string? SigningKey { get; set; }

    /// <summary>How long a feed token is good for. A device that reconnects after it expired asks its backend for another.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Whether following one job (<c>/jobs/{id}/events</c>, <c>/jobs/{id}/ws</c>) needs a feed token of the job's owner too.</summary>
    public bool RequireTokenForJobs { get; set; }

    /// <summary>Changes a feed client may fall behind before it is dropped (it then reconnects and resumes).</summary>
    [Range(16, 100_000)]
    public int ClientBuffer { get; set; } = 1000;

    /// <summary>
    /// Catch-up reads (a page of an owner's index with its jobs, or a device's newest jobs) an API process has under way at
    /// once, over all its feed connections; the others wait their turn. Many devices catching up at once (all of them
    /// after a deploy, say) then cannot fill the connection to Redis every other request shares.
    /// </summary>
    [Range(1, 64)]
    public int CatchUpReads { get; set; } = 4;

    /// <summary>Whether the API serves the submission page (<c>/app/</c>) and its stand-in backend. On in Development.</summary>
    public bool? SubmissionPage { get; set; }
}
