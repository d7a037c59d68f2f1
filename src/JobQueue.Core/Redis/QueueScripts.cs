using System.Reflection;

namespace JobQueue.Redis;

/// <summary>
/// The Lua scripts behind every atomic state change, loaded from <c>Redis/Scripts/*.lua</c>, each with the
/// shared helpers of <c>_prelude.lua</c> in front, and the includes it names (<c>_*.lua</c>) after them.
/// </summary>
internal static class QueueScripts
{
    private static readonly string Prelude = Read("_prelude");

    public static readonly QueueScript Enqueue = Load("enqueue", "_dependencies");
    public static readonly QueueScript Reclaim = Load("reclaim", "_dependencies", "_ended_entries", "_claim");
    public static readonly QueueScript ReadAndClaim = Load("read_and_claim", "_dependencies", "_ended_entries", "_claim");
    public static readonly QueueScript Complete = Load("complete", "_dependencies", "_ended_entries");
    public static readonly QueueScript Renew = Load("renew");
    public static readonly QueueScript Progress = Load("progress");
    public static readonly QueueScript Cancel = Load("cancel", "_dependencies");
    public static readonly QueueScript Retry = Load("retry", "_dependencies");
    public static readonly QueueScript Promote = Load("promote");
    public static readonly QueueScript PromoteJob = Load("promote_job");
    public static readonly QueueScript Delete = Load("delete", "_dependencies");
    public static readonly QueueScript Release = Load("release");
    public static readonly QueueScript Janitor = Load("janitor");
    public static readonly QueueScript List = Load("list");
    public static readonly QueueScript OwnerPage = Load("owner_page");
    public static readonly QueueScript PutSchedule = Load("put_schedule");
    public static readonly QueueScript AdvanceSchedule = Load("advance_schedule");
    public static readonly QueueScript Attempts = Load("attempts");
    public static readonly QueueScript RegisterWorker = Load("register_worker");
    public static readonly QueueScript Listen = Load("listen");
    public static readonly QueueScript ExtendHousekeepingLease = new(Read("extend_housekeeping_lease")); // needs none of the prelude

    private static QueueScript Load(string name, params string[] includes) =>
        new(string.Join("\n", [Prelude, .. includes.Select(Read), Read(name)]));

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"JobQueue.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"Lua script '{name}' is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
