// The sample's AppHost: Redis, the sample's queue as a resource (its figures, health and commands in Aspire's
// dashboard), and the sample app, which sends a welcome email and serves its queue dashboard.
// dotnet pack -c Release -o artifacts/packages src/... hosting/... (docs/library.md), then:
// dotnet run --project samples/WelcomeEmails.AppHost
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, AllowUnsecuredTransport = true });

var redis = builder.AddRedisServer("redis");
var jobs = builder.AddJobQueue("jobs", redis)
    .WithDeadLetterAlert(10);

var app = builder.AddProject<Projects.WelcomeEmails>("welcome-emails")
    .WithReference(jobs)
    .WaitFor(redis)
    .WithHttpEndpoint(name: "http")
    .WithArgs("--stay=true", "ada@example.com");
jobs.WithQueueDashboard(app);

builder.Build().Run();
