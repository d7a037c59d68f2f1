using System.Text.Json;
using JobQueue.Api;
using JobQueue.Api.Feeds;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using JobQueue.Api.Legacy;
using JobQueue.Api.Schedules;
using JobQueue.Api.SubmissionPage;
using JobQueue.Api.Workflows;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobQueue("redis");

builder.Services.AddOptions<ApiOptions>()
    .BindConfiguration(ApiOptions.SectionName)
    .ValidateDataAnnotations()
    .Validate(api => builder.Environment.IsDevelopment() || api.AllowAnonymous || !string.IsNullOrEmpty(api.ApiKey),
        "Outside Development the API needs an API key: set Api:ApiKey (or Api:AllowAnonymous=true behind a gateway).")
    .Validate(api => api.Queues.All(JobQueue.QueueName.IsValid), $"Every queue of Api:Queues is a queue name: {JobQueue.QueueName.Rule}.")
    .ValidateOnStart();
builder.Services.AddSubmissionRateLimit();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.ConfigureHttpJsonOptions(options =>
{
    options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
});
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<JobEventHub>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<JobEventHub>());
builder.Services.AddHealthChecks().AddCheck<JobEventsHealthCheck>("job-events");
builder.Services.AddSingleton<QueueListening>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueListening>());
builder.Services.AddSingleton<JobFollower>();
builder.AddQueueHousekeeping();
builder.Services.AddHostedService<DeclaredQueuesPreparer>();
builder.Services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddFeedAuthentication();
builder.Services.AddSingleton<OwnerFeed>();
builder.Services.AddSingleton<QueueEventFeed>();
builder.Services.AddOpenApi();
builder.Services.AddOptions<DashboardMountOptions>().BindConfiguration(DashboardMountOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddJobQueueDashboard(dashboard => builder.Configuration.GetSection(DashboardMountOptions.SectionName).Bind(dashboard));
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestHeadersTotalSize = HeaderSizeLimit.TransportMaxBytes);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRouting(); // before the API key check, which lets the feeds' endpoints take a feed token instead
app.UseMiddleware<HeaderSizeLimit>();
app.UseMiddleware<CrossSiteRequestGuard>();
app.UseMiddleware<ApiKeyMiddleware>();
app.UseRateLimiter();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.KeepAliveInterval });

app.MapDefaultEndpoints();
app.MapApiIndex();
app.MapOpenApi();
app.UseSwaggerUI(ui =>
{
    ui.SwaggerEndpoint("/openapi/v1.json", "JobQueue API");
    ui.RoutePrefix = "docs";
    ui.DocumentTitle = "JobQueue API reference";
});
app.MapJobEndpoints();
app.MapLiveUpdateEndpoints();
app.MapFeedEndpoints();
if (SubmissionPageEndpoints.IsEnabled(app))
{
    app.MapSubmissionPage();
}
app.MapQueueEndpoints();
app.MapScheduleEndpoints();
app.MapWorkflowEndpoints();
app.MapLegacyEndpoints();
if (app.Services.GetRequiredService<IOptions<DashboardMountOptions>>().Value is { Enabled: true } dashboard)
{
    app.MapJobQueueDashboard(dashboard.Path);
}

app.Run();
