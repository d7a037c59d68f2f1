using System.Text.Json;
using StackExchange.Redis;

namespace JobQueue.Benchmarks.Modes;

/// <summary>
/// The HTTP ceilings the API is measured against: Kestrel answering <c>POST /jobs</c> the way the API does (reads the
/// JSON body, answers 202 with a job id) with nothing behind it, or (<c>--xadd</c>) with the least an enqueue can write:
/// one StackExchange.Redis <c>XADD</c> of the body to a stream.
/// </summary>
public static class KestrelCeiling
{
    public const string Stream = "ceiling:jobs";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var app = builder.Build();
        app.MapGet("/health", () => "Healthy");
        if (args.Contains("--xadd"))
        {
            var redis = await ConnectionMultiplexer.ConnectAsync(Environment.GetEnvironmentVariable("ConnectionStrings__redis")!);
            var db = redis.GetDatabase();
            app.MapPost("/jobs", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                var id = Guid.NewGuid().ToString("D");
                await db.StreamAddAsync(Stream, [new("job_id", id), new("job", body.RootElement.GetRawText())]);
                return Accepted(id);
            });
        }
        else
        {
            app.MapPost("/jobs", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                return Accepted(Guid.NewGuid().ToString("D"));
            });
        }

        await app.RunAsync();
        return 0;
    }

    private static IResult Accepted(string id) =>
        Results.Text($"{{\"job_id\":\"{id}\",\"status\":\"queued\"}}", "application/json", statusCode: StatusCodes.Status202Accepted);
}
