using System.Net.Http.Headers;
using System.Text.Json;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Every read of the system an operator or a client makes: the listings of both queues (and of one owner), the schedules,
/// the dead letters, the queues. After any request, refused or accepted, each must still answer 2xx: a request that left
/// something behind no reader can read (a job, a schedule) fails here, on the next read, as it would in production.
/// </summary>
public static class SystemReads
{
    private static readonly string[] Paths =
        ["/jobs", "/jobs?queue=emails", "/schedules", "/dead-letters", "/dead-letters?queue=emails", "/queues", "/queue"];

    /// <summary>Asserts each read answers 2xx, with <paramref name="owners"/>' listings; <paramref name="after"/> names the request before, for the failure.</summary>
    public static async Task AssertAllAnswerAsync(HttpClient api, string after, params IEnumerable<string> owners)
    {
        foreach (var path in Paths.Concat(owners.Select(owner => "/jobs?owner=" + Uri.EscapeDataString(owner))))
        {
            using var response = await api.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode,
                $"After {after}: GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// Reads the owner's feed from its start (the owner's most recently changed jobs) until it has shown every one of
    /// <paramref name="jobIds"/>: a state the feed could not write ends the stream early and fails here.
    /// </summary>
    public static async Task AssertOwnerFeedShowsAsync(HttpClient api, string owner, IReadOnlyCollection<string> jobIds, string after)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/owners/{Uri.EscapeDataString(owner)}/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(owner));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.True(response.IsSuccessStatusCode, $"After {after}: the feed of {owner} answered {(int)response.StatusCode}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var missing = new HashSet<string>(jobIds);
        try
        {
            while (missing.Count > 0 && await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    missing.Remove(JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("job_id").GetString()!);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.True(missing.Count == 0, $"After {after}: the feed of {owner} ended or stalled without showing {string.Join(", ", missing)}");
    }
}
