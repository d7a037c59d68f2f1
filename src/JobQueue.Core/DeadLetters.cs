using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue;

/// <summary>
/// What an operator does to a queue's dead letters at once: count, retry or delete those of one type (or all). Each
/// job goes through <see cref="JobStore.RetryAsync"/> or <see cref="JobStore.DeleteAsync"/>, one script per job, so a
/// bulk action is exactly the single actions in a row (a job retried meanwhile by someone else is skipped, not retried
/// twice). At most <see cref="MaxPerAction"/> letters per call, oldest first: a bounded pass, never a scan of everything.
/// </summary>
public sealed class DeadLetters(IConnectionMultiplexer redis, QueueDirectory queues, JobStore store)
{
    /// <summary>The most dead letters one call counts, retries or deletes; call again for more.</summary>
    public const int MaxPerAction = 10_000;

    private const int Page = 500;

    /// <summary>How many dead letters of <paramref name="type"/> (null: any) the queue holds, up to <see cref="MaxPerAction"/>.</summary>
    public async Task<int> CountAsync(string? queue, string? type) => (await MatchingAsync(queue, type)).Count;

    /// <summary>Queues again every failed job with a dead letter of <paramref name="type"/> (null: any); how many were.</summary>
    public async Task<int> RetryAsync(string? queue, string? type)
    {
        var retried = 0;
        foreach (var letter in await MatchingAsync(queue, type))
        {
            try
            {
                await store.RetryAsync(letter.JobId);
                retried++;
            }
            catch (Exception e) when (e is JobNotFoundException or JobStateConflictException)
            {
                // Its record expired, or someone retried it first: nothing to queue.
            }
        }

        return retried;
    }

    /// <summary>Deletes every dead letter of <paramref name="type"/> (null: any) with its job; how many were.</summary>
    public async Task<int> DeleteAsync(string? queue, string? type)
    {
        var deleted = 0;
        foreach (var letter in await MatchingAsync(queue, type))
        {
            try
            {
                await store.DeleteAsync(letter.JobId);
            }
            catch (JobNotFoundException)
            {
                // The job's record expired first (a letter may outlive it): only the letter is left to go.
                await redis.GetDatabase().StreamDeleteAsync(letter.Dead, [letter.EntryId]);
            }
            catch (JobStateConflictException)
            {
                // Retried meanwhile: it is no dead letter any more.
                continue;
            }

            deleted++;
        }

        return deleted;
    }

    /// <summary>The oldest matching letters, up to <see cref="MaxPerAction"/>: of each partition in turn, for a partitioned queue.</summary>
    private async Task<List<(RedisKey Dead, string EntryId, string JobId)>> MatchingAsync(string? queue, string? type)
    {
        var db = redis.GetDatabase();
        var matching = new List<(RedisKey, string, string)>();
        foreach (var dead in (await queues.PartitionsAsync(queue)).Select(keys => keys.Dead))
        {
            RedisValue from = "-";
            while (matching.Count < MaxPerAction)
            {
                var entries = await db.StreamRangeAsync(dead, from, "+", Page);
                matching.AddRange(entries
                    .Where(e => type is null || e["type"] == type)
                    .Select(e => (dead, e.Id.ToString(), e["job_id"].ToString()))
                    .Take(MaxPerAction - matching.Count));
                if (entries.Length < Page)
                {
                    break;
                }

                from = "(" + entries[^1].Id;
            }
        }

        return matching;
    }
}
