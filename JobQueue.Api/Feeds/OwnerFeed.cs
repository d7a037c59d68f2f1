using System.Runtime.CompilerServices;
using JobQueue.Api.Jobs;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Api.Feeds;

/// <summary>
/// Follows every job of one owner for one connected device: first what it missed (with a resume point, every job of the
/// owner changed since, oldest first, read a page at a time as the device takes them, so that a device on a slow link
/// is paced by its own connection and holds a page; without one, the most recently changed), then each change as it
/// happens. It starts listening before it reads, and sends a job's state only if it is newer than what it sent of that
/// job, so nothing falls in between and nothing is sent twice. While quiet it pings; if the connection to Redis came
/// back meanwhile it catches up from the owner's index again, so a change lost while Redis was unreachable still
/// arrives. (Only then: a catch-up of many jobs holds the feed while live changes pile up in its buffer.) A device that
/// falls too far behind is dropped (<paramref name="drop"/> of <see cref="FollowAsync"/> is called: it aborts the
/// connection, even one stuck in a write) and resumes when it reconnects.
/// </summary>
public sealed class OwnerFeed(JobStore store, JobEventHub hub, IConnectionMultiplexer redis, IOptions<ApiOptions> api, IOptions<FeedOptions> feeds)
{
    /// <summary>Jobs a device that connects without a resume point is shown at once.</summary>
    public const int Newest = 100;

    /// <summary>
    /// How far before its resume point a catch-up looks: changes of different queues may reach this process slightly
    /// out of time order (queues on different cluster shards, clocks stepping), and a repeat costs less than a gap.
    /// </summary>
    private const long ResumeMarginMs = 1000;

    /// <summary>States sent and kept to tell news from repeats, past which finished jobs are forgotten.</summary>
    private const int RememberedJobs = 10_000;

    private readonly int _clientBuffer = feeds.Value.ClientBuffer;

    /// <summary>
    /// Held by every catch-up read of this process, by all its feed connections: many devices catching up at once take
    /// turns rather than queue thousands of reads ahead of every other request on the shared connection to Redis.
    /// </summary>
    private readonly SemaphoreSlim _catchUpReads = new(feeds.Value.CatchUpReads);

    /// <summary>The owner's jobs' states, and null for a keep-alive ping.</summary>
    public async IAsyncEnumerable<OwnerFeedEvent?> FollowAsync(string owner, long? after, Action drop, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watch = hub.WatchOwner(owner, _clientBuffer);
        using var dropping = watch.Dropped.Register(drop);
        var sent = new Dictionary<string, (long Version, bool Finished)>();
        var sweepAt = RememberedJobs;
        // Where a catch-up starts: the resume point, else now (what the snapshot shows is older).
        var cursor = after ?? (await redis.GetDatabase().NowAsync()).ToUnixTimeMilliseconds();
        var restorations = hub.Restorations;

        await foreach (var owned in CatchUpAsync(owner, after - ResumeMarginMs, cancellationToken))
        {
            if (IsNews(OwnerFeedEvent.From(owned)) is { } news)
            {
                yield return news;
            }
        }

        while (true)
        {
            var next = await watch.NextAsync(api.Value.KeepAliveInterval, cancellationToken) is { } change ? OwnerFeedEvent.From(change) : null;
            if (next is not null)
            {
                if (IsNews(next) is { } news)
                {
                    yield return news;
                }

                continue;
            }

            yield return null;
            if (hub.Restorations == restorations)
            {
                continue;
            }

            restorations = hub.Restorations;
            await foreach (var owned in CatchUpAsync(owner, cursor - ResumeMarginMs, cancellationToken))
            {
                if (IsNews(OwnerFeedEvent.From(owned)) is { } news)
                {
                    yield return news;
                }
            }
        }

        OwnerFeedEvent? IsNews(OwnerFeedEvent state)
        {
            if (sent.TryGetValue(state.JobId, out var last) && last.Version >= state.Version)
            {
                return null;
            }

            if (sent.Count >= sweepAt)
            {
                foreach (var finished in sent.Where(s => s.Value.Finished).Select(s => s.Key).ToList())
                {
                    sent.Remove(finished);
                }

                // Unfinished jobs stay (a repeat of one must still be told from news), so the next sweep waits until as
                // many again were sent: a catch-up of 20,000 unfinished jobs sweeps a few times, not at every job.
                sweepAt = Math.Max(RememberedJobs, 2 * sent.Count);
            }

            sent[state.JobId] = (state.Version, JobStatus.IsTerminal(state.Status));
            cursor = Math.Max(cursor, state.At);
            return state;
        }
    }

    /// <summary>
    /// The jobs of <paramref name="owner"/> changed at or after <paramref name="sinceMs"/>, oldest change first, a page at
    /// a time as they are taken; with <paramref name="sinceMs"/> null, the <see cref="Newest"/> most recently changed.
    /// </summary>
    private async IAsyncEnumerable<OwnedJob> CatchUpAsync(string owner, long? sinceMs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (sinceMs is { } since)
        {
            await foreach (var owned in store.OwnerJobsChangedSinceAsync(owner, since, _catchUpReads, cancellationToken))
            {
                yield return owned;
            }

            yield break;
        }

        IReadOnlyList<OwnedJob> newest;
        await _catchUpReads.WaitAsync(cancellationToken);
        try
        {
            newest = await store.LatestOwnerJobsAsync(owner, Newest);
        }
        finally
        {
            _catchUpReads.Release();
        }

        foreach (var owned in newest)
        {
            yield return owned;
        }
    }
}
