using System.Reflection;

namespace JobQueue.Redis;

/// <summary>
/// The Lua scripts behind every atomic state change, loaded from <c>Redis/Scripts/*.lua</c>, each with the
/// shared helpers of <c>_prelude.lua</c> in front, and the includes it names (<c>_*.lua</c>) after them.
/// </summary>
internal static class QueueScripts
{
    private static readonly string Prelude = Read("_prelude");

    public static readonly string Enqueue = Load("enqueue", "_dependencies");
    public static readonly string Reclaim = Load("reclaim", "_dependencies", "_ended_entries", "_claim");
    public static readonly string ReadAndClaim = Load("read_and_claim", "_dependencies", "_ended_entries", "_claim");
    public static readonly string Complete = Load("complete", "_dependencies", "_ended_entries");
    public static readonly string Renew = Load("renew");
    public static readonly string Progress = Load("progress");
    public static readonly string Cancel = Load("cancel", "_dependencies");
    public static readonly string Retry = Load("retry", "_dependencies");
    public static readonly string Promote = Load("promote");
    public static readonly string PromoteJob = Load("promote_job");
    public static readonly string Delete = Load("delete", "_dependencies");
    public static readonly string Release = Load("release");
    public static readonly string Janitor = Load("janitor");
    public static readonly string List = Load("list");
    public static readonly string OwnerPage = Load("owner_page");
    public static readonly string PutSchedule = Load("put_schedule");
    public static readonly string AdvanceSchedule = Load("advance_schedule");
    public static readonly string Attempts = Load("attempts");
    public static readonly string RegisterWorker = Load("register_worker");
    public static readonly string Listen = Load("listen");
    public static readonly string ExtendHousekeepingLease = Read("extend_housekeeping_lease"); // needs none of the prelude

    private static string Load(string name, params string[] includes) =>
        string.Join("\n", [Prelude, .. includes.Select(Read), Read(name)]);

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"JobQueue.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"Lua script '{name}' is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
