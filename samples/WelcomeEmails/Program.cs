using JobQueue;
using JobQueue.Processing;

// A user's app with JobQueue added as packages: it runs its own typed handler, enqueues from its own code, and mounts
// the queue dashboard at /dashboard (this machine only: it maps no authorization policy).
// dotnet run -- ada@example.com [--stay=true] [--urls=http://127.0.0.1:5080]  (needs ConnectionStrings__redis, e.g.
// "127.0.0.1:6379,password=..."); with --stay=true it serves the dashboard until Ctrl+C once the emails are sent.
var builder = WebApplication.CreateBuilder(args);
builder.AddJobWorker("redis")
    .AddHandler<SendWelcomeEmailHandler>();
builder.Services.AddJobQueueDashboard();
await using var app = builder.Build();
app.MapJobQueueDashboard("/dashboard");
await app.StartAsync();
Console.WriteLine($"dashboard {app.Urls.First()}/dashboard");

var store = app.Services.GetRequiredService<JobStore>();
foreach (var address in args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)))
{
    var job = (await store.EnqueueAsync(new SendWelcomeEmail(address))).Job;
    Console.WriteLine($"enqueued {job.Type} {job.Id}");
    var finished = job;
    while (!JobStatus.IsTerminal(finished.Status))
    {
        await Task.Delay(50);
        finished = (await store.GetAsync(job.Id))!;
    }

    Console.WriteLine($"job {job.Id} {finished.Status}: {finished.ResultJson ?? finished.LastError}");
}

if (app.Configuration.GetValue<bool>("stay"))
{
    await app.WaitForShutdownAsync();
}

await app.StopAsync();

/// <summary>The job: its type name is the record's name in kebab case, "send-welcome-email".</summary>
public sealed record SendWelcomeEmail(string Address);

public sealed record WelcomeEmailSent(string To, string Subject);

public sealed class SendWelcomeEmailHandler(ILogger<SendWelcomeEmailHandler> logger) : IJobHandler<SendWelcomeEmail, WelcomeEmailSent>
{
    public Task<WelcomeEmailSent> HandleAsync(SendWelcomeEmail payload, JobContext job, CancellationToken cancellationToken)
    {
        // A real app would call its mail service here; throwing fails the attempt and it is retried.
        logger.LogInformation("Sending the welcome email to {Address} (attempt {Attempt})", payload.Address, job.Attempt);
        return Task.FromResult(new WelcomeEmailSent(payload.Address, "Welcome aboard"));
    }
}
