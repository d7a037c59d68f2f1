using System.Runtime.CompilerServices;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Follows one job for a live client: its current state at once, then every change, ending after a terminal
/// state. It subscribes before it reads the state, so nothing is missed in between; a change older than what
/// was sent is skipped. When a job is quiet for a keep-alive interval it yields null (a ping), and re-reads the
/// state if changes may have gone unheard since it last read it (this process was not listening yet, its connection to
/// Redis came back since, or its announcement as a listener lapsed: <see cref="QueueListening"/>), so even a change lost
/// while Redis was unreachable reaches the client.
/// Only then: a re-read at any other moment may find a change whose message is still on its way, and the change
/// before it would then arrive older than what was sent, and be skipped.
/// </summary>
internal sealed class JobFollower(JobStore store, QueueDirectory queues, QueueListening listening, JobEventHub hub, IOptions<ApiOptions> options)
{
    public async IAsyncEnumerable<JobStateView?> FollowAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await queues.LocateAsync(jobId) is not { } queue)
        {
            yield break;
        }

        // The job's changes are published once a process listens for its queue's (QueueListening), and heard here once
        // watched: both before the state is read.
        using var listened = await listening.ListenAsync(queue);
        using var watch = hub.WatchJob(jobId);
        var (hearing, restorations, lapses) = (hub.Listening, hub.Restorations, listening.Lapses);
        if (await store.GetAsync(jobId) is not { } job)
        {
            yield break;
        }

        var current = JobStateView.From(job);
        yield return current;
        while (!JobStatus.IsTerminal(current.Status))
        {
            var next = await watch.NextAsync(options.Value.KeepAliveInterval, cancellationToken) is { } change ? JobStateView.From(change.Change) : null;
            if (next is null)
            {
                // Quiet for a keep-alive interval: ping, and read the state again if a change may have been lost.
                if (hearing && hub.Restorations == restorations && listening.Lapses == lapses)
                {
                    yield return null;
                    continue;
                }

                (hearing, restorations, lapses) = (hub.Listening, hub.Restorations, listening.Lapses);
                next = await store.GetAsync(jobId) is { } reread ? JobStateView.From(reread) : null;
                if (next is null || next.Version <= current.Version)
                {
                    yield return null;
                    continue;
                }
            }

            if (next.Version > current.Version)
            {
                current = next;
                yield return current;
            }
        }
    }
}
