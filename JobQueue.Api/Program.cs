using JobQueue.Api;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using JobQueue.Api.Legacy;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobQueue("redis");

builder.Services.AddOptions<ApiOptions>()
    .BindConfiguration(ApiOptions.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<RedisUnavailableHandler>();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapJobEndpoints();
app.MapLegacyEndpoints();

app.Run();
