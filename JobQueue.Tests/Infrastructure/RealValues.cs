using System.Net.Http.Json;
using System.Text.Json;

namespace JobQueue.Tests.Infrastructure;

/// <summary>Values read from the running app that the generators mix in (so that valid values meet hostile ones): read once per run.</summary>
public static class RealValues
{
    public static string Jobs { get; private set; } = "";

    public static string DeadLetters { get; private set; } = "";

    /// <summary>A job that ended, for <c>depends_on</c>.</summary>
    public static string DoneJob { get; private set; } = "";

    public static async Task EnsureAsync(AppFixture app)
    {
        if (DoneJob != "")
        {
            return;
        }

        DoneJob = await app.SubmitAsync(new { payload = 1 });
        await app.WaitForTerminalAsync(DoneJob, TimeSpan.FromSeconds(30));
        var failed = await app.SubmitAsync(new { type = "uppercase", payload = 1 }); // fails for good: a dead letter
        await app.WaitForTerminalAsync(failed, TimeSpan.FromSeconds(30));
        Jobs = (await app.Api.GetFromJsonAsync<JsonElement>("/jobs?limit=1")).GetProperty("next_cursor").GetString()!;
        DeadLetters = (await app.Api.GetFromJsonAsync<JsonElement>("/dead-letters?limit=1")).GetProperty("dead_letters")[0].GetProperty("entry_id").GetString()!;
    }
}
