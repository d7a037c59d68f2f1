using System.Runtime.CompilerServices;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Follows one job for a live client: its current state at once, then every change, ending after a terminal
/// state. It subscribes before it reads the state, so nothing is missed in between; a change older than what
/// was sent is skipped. When a job is quiet for a keep-alive interval it yields null (a ping) and re-reads
/// the state, so even a change lost while Redis was unreachable reaches the client.
/// </summary>
public sealed class JobFollower(JobStore store, JobEventHub hub, IOptions<ApiOptions> options)
{
    public async IAsyncEnumerable<JobStateView?> FollowAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watch = hub.WatchJob(jobId);
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
                // Quiet for a keep-alive interval: ping, and read the state in case a change was lost.
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
