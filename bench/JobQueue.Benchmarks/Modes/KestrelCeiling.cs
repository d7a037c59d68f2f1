using System.Text.Json;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// The HTTP ceiling: bare Kestrel answering <c>POST /jobs</c> the way the API does (reads the JSON body,
/// answers 202 with a job id) without any queue behind it.
/// </summary>
public static class KestrelCeiling
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var app = builder.Build();
        app.MapGet("/health", () => "Healthy");
        app.MapPost("/jobs", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var id = Guid.NewGuid().ToString("D");
            return Results.Text($"{{\"job_id\":\"{id}\",\"status\":\"queued\"}}", "application/json", statusCode: StatusCodes.Status202Accepted);
        });
        await app.RunAsync();
        return 0;
    }
}
