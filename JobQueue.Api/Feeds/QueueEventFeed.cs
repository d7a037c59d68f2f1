using System.Runtime.CompilerServices;
using JobQueue.Api.Jobs;
using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Api.Feeds;

/// <summary>
/// Follows every change of one queue's jobs for a backend listener (BullMQ's QueueEvents, resumable): first the events
/// of the queue's event log after the listener's last one, then each event as it is published, in log order. It starts
/// listening before it reads the log and sends only events past the last it sent, so nothing is missed or repeated;
/// while quiet it pings and reads the log again, so an event lost while Redis was unreachable still arrives. Without a
/// resume point it starts at the log's end. A listener too slow to keep up is dropped, like an owner feed's device.
/// </summary>
internal sealed class QueueEventFeed(JobEventHub hub, IConnectionMultiplexer redis, IOptions<ApiOptions> api, IOptions<FeedOptions> feeds)
{
    private const int Page = 500;

    /// <summary>The queue's events after <paramref name="after"/> (a log entry id), and null for a keep-alive ping.</summary>
    public async IAsyncEnumerable<QueueEventView?> FollowAsync(QueueKeys keys, string? after, Action drop, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watch = hub.WatchQueue(keys.Name, feeds.Value.ClientBuffer);
        using var dropping = watch.Dropped.Register(drop);
        var db = redis.GetDatabase();
        var last = after ?? ((await db.StreamRangeAsync(keys.EventLog, "-", "+", 1, Order.Descending)) is [var newest] ? newest.Id.ToString() : "0-0");

        while (true)
        {
            // What the log holds past the last event sent: the backlog at first, whatever pub/sub lost later.
            StreamEntry[] page;
            do
            {
                page = await db.StreamRangeAsync(keys.EventLog, "(" + last, "+", Page);
                foreach (var entry in page)
                {
                    if (JobChange.TryParse(entry["data"].ToString(), out var change, out _))
                    {
                        last = entry.Id.ToString();
                        yield return QueueEventView.From(last, change);
                    }
                }
            }
            while (page.Length == Page);

            while ((await watch.NextAsync(api.Value.KeepAliveInterval, cancellationToken))?.Change is { } next)
            {
                if (next.EventId is { } id && StreamEntryId.Parse(id) > StreamEntryId.Parse(last))
                {
                    last = id;
                    yield return QueueEventView.From(id, next);
                }
            }

            yield return null;
        }
    }
}
