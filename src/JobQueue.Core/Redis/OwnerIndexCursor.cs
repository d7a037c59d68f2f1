using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Where a reader of one owner's index in one queue partition (<see cref="QueueKeys.OwnerIndex"/>) has got to, and the
/// page of jobs it holds, for <see cref="JobStore.OwnerJobsChangedSinceAsync"/>: the next page is read only once the
/// last job of this one was taken, so a reader that is slow to take them holds one page and asks Redis for nothing
/// meanwhile. The cursor is a position in the index's order, not an offset (<c>owner_page.lua</c> says why).
/// </summary>
internal sealed class OwnerIndexCursor(IDatabase db, QueueKeys keys, string owner, long sinceMs, Func<QueueKeys, string, long, Task<OwnedJob?>> read)
{
    /// <summary>
    /// Index entries per page, whose jobs are read at once: a reply short enough not to hold up the other requests on
    /// the connection to Redis for long, and what a reader holds while it hands them out.
    /// </summary>
    public const int PageSize = 100;

    private readonly Queue<OwnedJob> _page = new();

    /// <summary>The last entry read: its score (ms) and member. '' sorts before every member: all of <c>sinceMs</c> comes.</summary>
    private (long Score, string Member) _after = (sinceMs, "");

    private bool _ended;

    /// <summary>Whether the next job is yet to be read: this page is taken and the index may hold more.</summary>
    public bool NeedsPage => _page.Count == 0 && !_ended;

    /// <summary>The next job in index order, if one is in hand.</summary>
    public OwnedJob? Next => _page.TryPeek(out var next) ? next : null;

    public OwnedJob Take() => _page.Dequeue();

    /// <summary>
    /// Reads the next page of the index and its jobs (pipelined), holding <paramref name="pageReads"/> meanwhile if
    /// given. A job whose record is gone (deleted, expired) is left out; a page short of <see cref="PageSize"/> entries
    /// is the index's end.
    /// </summary>
    public async Task ReadPageAsync(SemaphoreSlim? pageReads, CancellationToken cancellationToken)
    {
        if (pageReads is not null)
        {
            await pageReads.WaitAsync(cancellationToken);
        }

        try
        {
            var reply = (RedisResult[])(await QueueScripts.OwnerPage.EvaluateAsync(db, [keys.OwnerIndex(owner)],
                [_after.Score, _after.Member, PageSize]))!;
            var entries = Enumerable.Range(0, reply.Length / 2).Select(i => (Member: reply[2 * i].ToString(), Score: (long)(double)reply[2 * i + 1])).ToList();
            _ended = entries.Count < PageSize;
            if (entries.Count > 0)
            {
                _after = (entries[^1].Score, entries[^1].Member);
            }

            foreach (var job in await Task.WhenAll(entries.Select(entry => read(keys, entry.Member, entry.Score))))
            {
                if (job is not null)
                {
                    _page.Enqueue(job);
                }
            }
        }
        finally
        {
            pageReads?.Release();
        }
    }
}
