using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace JobQueue.Client;

/// <summary>
/// The JobQueue HTTP API for .NET callers. Give it an <see cref="HttpClient"/> whose base address is the API
/// (with Aspire-style service discovery, <c>http://api</c>). Errors come back as <see cref="JobQueueException"/>.
/// </summary>
public sealed class JobQueueClient(HttpClient http)
{
    /// <summary>Submits a job; <paramref name="payload"/> is serialized as JSON.</summary>
    public async Task<SubmittedJob> EnqueueAsync<TPayload>(TPayload payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = new Submission(
            JsonSerializer.SerializeToElement(payload),
            options?.Type,
            options?.Queue,
            options?.Group,
            options?.Owner,
            options?.Delay is { } delay ? (long)delay.TotalMilliseconds : null,
            options?.RunAt,
            options?.MaxAttempts,
            options?.Backoff is { } backoff
                ? new BackoffSubmission(backoff.Type, (long)backoff.Delay.TotalMilliseconds, (long?)backoff.MaxDelay?.TotalMilliseconds)
                : null,
            (long?)options?.Timeout?.TotalMilliseconds);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jobs")
        {
            Content = JsonContent.Create(body, ClientJsonContext.Default.Submission),
        };
        if (options?.IdempotencyKey is { } key)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var accepted = await ReadAsync(response, ClientJsonContext.Default.Accepted, cancellationToken);
        return new SubmittedJob(accepted.JobId, accepted.Status, response.Headers.Contains("Idempotent-Replayed"));
    }

    /// <summary>The job, or null if there is no such job (never existed, or expired).</summary>
    public async Task<JobState?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"/jobs/{Uri.EscapeDataString(jobId)}", cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound
            ? null
            : await ReadAsync(response, ClientJsonContext.Default.JobState, cancellationToken);
    }

    /// <summary>Every state of the job from now on, pushed over Server-Sent Events; ends after the terminal one.</summary>
    public async IAsyncEnumerable<JobUpdate> WatchAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{Uri.EscapeDataString(jobId)}/events");
        await foreach (var item in EventsAsync(request, cancellationToken))
        {
            if (item.EventType == "job")
            {
                yield return JsonSerializer.Deserialize(item.Data, ClientJsonContext.Default.JobUpdate)!;
            }
        }
    }

    /// <summary>Issues a token that opens <paramref name="owner"/>'s feed (a backend call: it needs the API key, if one is set).</summary>
    public async Task<FeedToken> IssueFeedTokenAsync(string owner, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("/feed-tokens", new TokenRequest(owner), ClientJsonContext.Default.TokenRequest, cancellationToken);
        return await ReadAsync(response, ClientJsonContext.Default.FeedToken, cancellationToken);
    }

    /// <summary>
    /// Every change of every job of <paramref name="owner"/>, over Server-Sent Events with a feed token: first the jobs
    /// changed after <paramref name="after"/> (an <see cref="OwnerUpdate.At"/> seen before; null: the most recently
    /// changed), then each change as it happens. It runs until canceled or the connection ends.
    /// </summary>
    public async IAsyncEnumerable<OwnerUpdate> WatchOwnerAsync(string owner, string token, long? after = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/owners/{Uri.EscapeDataString(owner)}/events");
        request.Headers.Authorization = new("Bearer", token);
        if (after is { } at)
        {
            request.Headers.Add("Last-Event-ID", at.ToString());
        }

        await foreach (var item in EventsAsync(request, cancellationToken))
        {
            if (item.EventType == "job")
            {
                yield return JsonSerializer.Deserialize(item.Data, ClientJsonContext.Default.OwnerUpdate)!;
            }
        }
    }

    /// <summary>
    /// Every change of a queue's jobs (BullMQ's QueueEvents), in order, until canceled: from the event after
    /// <paramref name="after"/> (a <see cref="QueueEvent.EventId"/> a listener kept; null: from now on). When the
    /// connection drops (an API replica restarts, the network fails) it reconnects and resumes after the last event it
    /// yielded, so nothing the queue's event log still holds is missed.
    /// </summary>
    public async IAsyncEnumerable<QueueEvent> WatchQueueAsync(string queue, string? after = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = after;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/queues/{Uri.EscapeDataString(queue)}/events");
            if (last is not null)
            {
                request.Headers.Add("Last-Event-ID", last);
            }

            var events = EventsAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (await NextOrEndAsync(events))
                {
                    var item = JsonSerializer.Deserialize(events.Current.Data, ClientJsonContext.Default.QueueEvent)!;
                    last = item.EventId;
                    yield return item;
                }
            }
            finally
            {
                await events.DisposeAsync();
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        // A connection that fails ends this round; a refusal (a JobQueueException) is the caller's to see.
        static async Task<bool> NextOrEndAsync(IAsyncEnumerator<SseItem<string>> events)
        {
            try
            {
                return await events.MoveNextAsync();
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                return false;
            }
        }
    }

    private async IAsyncEnumerable<SseItem<string>> EventsAsync(HttpRequestMessage request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response, cancellationToken);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            yield return item;
        }
    }

    /// <summary>Waits (without polling) until the job is done, failed or canceled, and returns it.</summary>
    public async Task<JobState> WaitForCompletionAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await foreach (var update in WatchAsync(jobId, cancellationToken))
        {
            if (update.IsFinished)
            {
                break;
            }
        }

        return await GetAsync(jobId, cancellationToken) ?? throw new JobQueueException(404, "Job not found", $"Job {jobId} is gone.");
    }

    /// <summary>Cancels an unfinished job and returns it.</summary>
    public async Task<JobState> CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync($"/jobs/{Uri.EscapeDataString(jobId)}/cancel", null, cancellationToken);
        return await ReadAsync(response, ClientJsonContext.Default.JobState, cancellationToken);
    }

    /// <summary>Requeues a failed job with a fresh attempt budget.</summary>
    public async Task RetryAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync($"/jobs/{Uri.EscapeDataString(jobId)}/retry", null, cancellationToken);
        await ReadAsync(response, ClientJsonContext.Default.Accepted, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> contract,
        CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response, cancellationToken);
        }

        return (await response.Content.ReadFromJsonAsync(contract, cancellationToken))!;
    }

    private static async Task<JobQueueException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Problem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            problem = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.Problem, cancellationToken);
        }

        return new JobQueueException((int)response.StatusCode, problem?.Title ?? response.ReasonPhrase, problem?.Detail);
    }
}
