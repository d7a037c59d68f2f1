using System.Text.Json.Serialization;
using JobQueue.Processing;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Tests.Engine;

/// <summary>
/// Typed jobs as a .NET team writes them in its own app: a payload record, a handler of it registered with one
/// call, and enqueueing the record from .NET; an in-process host against a real redis-server.
/// </summary>
public sealed class TypedJobTests(RedisServerFixture server) : IClassFixture<RedisServerFixture>
{
    private readonly string _queue = "typed-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_typed_payload_enqueued_from_dotnet_runs_its_typed_handler_and_stores_its_result()
    {
        using var host = await StartWorkerAsync(worker => worker.AddHandler<ResizeImageHandler>());
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync(new ResizeImage("photos/cat.png", 64))).Job;

        Assert.Equal("resize", job.Type);
        var done = await WaitForEndAsync(store, job.Id);
        Assert.Equal(JobStatus.Done, done.Status);
        Assert.Equal("""{"path":"photos/cat-64.png","width":64}""", done.ResultJson);
        Assert.Equal("""{"path":"photos/cat.png","width":64}""", done.PayloadJson);
    }

    [Fact]
    public async Task A_handler_without_a_result_runs_under_its_payloads_name_in_kebab_case()
    {
        using var host = await StartWorkerAsync(worker => worker.AddHandler<SendWelcomeEmailHandler>());
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync(new SendWelcomeEmail("ada@example.com"))).Job;

        Assert.Equal("send-welcome-email", job.Type);
        var done = await WaitForEndAsync(store, job.Id);
        Assert.Equal(JobStatus.Done, done.Status);
        Assert.Equal("null", done.ResultJson);
        Assert.Contains(job.Id, host.Services.GetRequiredService<Outbox>().SentFor);
    }

    [Fact]
    public async Task A_source_generated_json_context_alone_serves_payloads_and_results()
    {
        using var host = await StartWorkerAsync(worker => worker.AddHandler<ResizeImageHandler>(), services =>
            services.Configure<JobPayloadJsonOptions>(json =>
            {
                // No reflection left: if the context were not used, serializing would throw.
                json.SerializerOptions.TypeInfoResolverChain.Clear();
                json.SerializerOptions.TypeInfoResolverChain.Add(TestJobJson.Default);
            }));
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync(new ResizeImage("a.png", 8))).Job;

        var done = await WaitForEndAsync(store, job.Id);
        Assert.Equal("""{"path":"a-8.png","width":8}""", done.ResultJson);
    }

    [Fact]
    public async Task A_payload_that_is_not_the_handlers_type_fails_the_job_at_once_naming_the_type()
    {
        using var host = await StartWorkerAsync(worker => worker.AddHandler<ResizeImageHandler>());
        var store = host.Services.GetRequiredService<JobStore>();

        var job = (await store.EnqueueAsync("resize", """{"path": 7}""")).Job;

        var failed = await WaitForEndAsync(store, job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal(1, failed.Attempts);
        Assert.StartsWith("The payload is not a valid ResizeImage", failed.LastError);
    }

    [Fact]
    public void A_class_that_is_no_typed_handler_is_refused_when_registered()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = server.ConnectionString;

        var refused = Assert.Throws<ArgumentException>(() => builder.AddJobWorker().AddHandler<Outbox>());
        Assert.Contains("IJobHandler<TPayload>", refused.Message);
    }

    [Theory]
    [InlineData(typeof(SendWelcomeEmail), "send-welcome-email")]
    [InlineData(typeof(ResizeImage), "resize")]
    [InlineData(typeof(HTMLReport), "html-report")]
    public void The_job_type_of_a_payload_is_its_attribute_or_its_name_in_kebab_case(Type payload, string expected) =>
        Assert.Equal(expected, JobTypeName.Of(payload));

    [Fact]
    public void A_job_type_attribute_that_breaks_the_naming_rule_is_refused_with_the_rule() =>
        Assert.Contains("lower-case", Assert.Throws<InvalidOperationException>(() => JobTypeName.Of(typeof(BadlyNamed))).Message);

    private Task<IHost> StartWorkerAsync(Action<JobWorkerBuilder> handlers, Action<IServiceCollection>? configure = null) =>
        InProcessWorker.StartAsync(server, _queue, handlers, services =>
        {
            services.AddSingleton<Outbox>();
            configure?.Invoke(services);
        });

    private static Task<JobRecord> WaitForEndAsync(JobStore store, string id) => InProcessWorker.WaitForEndAsync(store, id);
}

[JobType("resize")]
public sealed record ResizeImage(string Path, int Width);

public sealed record Thumbnail(string Path, int Width);

public sealed record SendWelcomeEmail(string Address);

public sealed record HTMLReport;

[JobType("Bad Name")]
public sealed record BadlyNamed;

public sealed class ResizeImageHandler : IJobHandler<ResizeImage, Thumbnail>
{
    public Task<Thumbnail> HandleAsync(ResizeImage payload, JobContext job, CancellationToken cancellationToken) =>
        Task.FromResult(new Thumbnail(payload.Path.Replace(".png", $"-{payload.Width}.png"), payload.Width));
}

/// <summary>Records who was "sent" mail, so a test can see the handler ran.</summary>
public sealed class Outbox
{
    public System.Collections.Concurrent.ConcurrentBag<string> SentFor { get; } = [];
}

public sealed class SendWelcomeEmailHandler(Outbox outbox) : IJobHandler<SendWelcomeEmail>
{
    public Task HandleAsync(SendWelcomeEmail payload, JobContext job, CancellationToken cancellationToken)
    {
        outbox.SentFor.Add(job.JobId);
        return Task.CompletedTask;
    }
}

[JsonSerializable(typeof(ResizeImage))]
[JsonSerializable(typeof(Thumbnail))]
internal sealed partial class TestJobJson : JsonSerializerContext;
