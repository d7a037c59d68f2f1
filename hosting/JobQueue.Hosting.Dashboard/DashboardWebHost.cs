using System.Net;
using System.Security.Claims;
using JobQueue.Hosting.Dashboard.Components;
using JobQueue.Hosting.Dashboard.Otlp;
using JobQueue.Hosting.Dashboard.Telemetry;
using JobQueue.Hosting;
using JobQueue.Hosting.Autoscaling;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.FluentUI.AspNetCore.Components;

namespace JobQueue.Hosting.Dashboard;

/// <summary>
/// The web server inside the AppHost: the dashboard (Blazor Server, behind a browser-token login) and the
/// OTLP receiver (gRPC and HTTP/protobuf, behind an API key), each on its own loopback port. It starts
/// before any resource, so the first telemetry already has somewhere to go.
/// </summary>
internal sealed class DashboardWebHost(
    IServiceProvider appHost,
    DashboardEndpoints endpoints,
    QueueDashboardLink queueDashboard,
    IHostEnvironment environment,
    ILogger<DashboardWebHost> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = environment.ApplicationName,
            EnvironmentName = environment.EnvironmentName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddProvider(new DashboardLogSink(appHost.GetRequiredService<TelemetryStore>()));
        UseStaticWebAssets(builder);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, endpoints.Dashboard.Port);
            kestrel.Listen(IPAddress.Loopback, endpoints.OtlpGrpc.Port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, endpoints.OtlpHttp.Port);
        });

        // The app model's live services are shared with the dashboard, not copied.
        builder.Services.AddSingleton(appHost.GetRequiredService<ResourceNotificationService>());
        builder.Services.AddSingleton(appHost.GetRequiredService<ResourceCommandService>());
        builder.Services.AddSingleton(appHost.GetRequiredService<ResourceLoggerService>());
        builder.Services.AddSingleton(appHost.GetRequiredService<DistributedApplicationModel>());
        builder.Services.AddSingleton(appHost.GetRequiredService<TelemetryStore>());
        // What the autoscaler decided, when the app has autoscaled pools (an empty log otherwise).
        builder.Services.AddSingleton(appHost.GetService<AutoscalerLog>() ?? new AutoscalerLog());
        builder.Services.AddSingleton(new OtlpApiKey(endpoints.OtlpApiKey));
        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(queueDashboard);

        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<OtlpApiKeyInterceptor>());
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddFluentUIComponents();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.LoginPath = "/login";
                cookie.Cookie.Name = ".JobQueue.Hosting.Dashboard";
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.HttpOnly = true;
                // An action (a fetch from a page) is told it is not logged in, not sent a login page to follow.
                cookie.Events.OnRedirectToLogin = context =>
                {
                    if (context.Request.Path.StartsWithSegments("/actions"))
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    }
                    else
                    {
                        context.Response.Redirect(context.RedirectUri);
                    }

                    return Task.CompletedTask;
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddCascadingAuthenticationState();

        var app = builder.Build();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        var otlpGrpc = $"*:{endpoints.OtlpGrpc.Port}";
        app.MapGrpcService<OtlpTraceService>().RequireHost(otlpGrpc).AllowAnonymous();
        app.MapGrpcService<OtlpLogsService>().RequireHost(otlpGrpc).AllowAnonymous();
        app.MapGrpcService<OtlpMetricsService>().RequireHost(otlpGrpc).AllowAnonymous();
        app.MapOtlpHttp().RequireHost($"*:{endpoints.OtlpHttp.Port}").AllowAnonymous();

        var dashboard = $"*:{endpoints.Dashboard.Port}";
        app.MapLogin(endpoints.BrowserToken).RequireHost(dashboard);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireHost(dashboard);

        await app.StartAsync(cancellationToken);
        _app = app;
        // Printed, not logged: the token is for the person at this console, not for log files.
        Console.WriteLine($"Dashboard: {endpoints.LoginUrl}");
        logger.LogInformation("Dashboard on {Dashboard}, OTLP on {OtlpGrpc} (gRPC) and {OtlpHttp} (HTTP)",
            endpoints.Dashboard, endpoints.OtlpGrpc, endpoints.OtlpHttp);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// Serves the Fluent UI and Blazor files straight from the build (as `dotnet run` of a web app does): the
    /// AppHost's static web assets manifest lists where each one is, in the NuGet cache or a project.
    /// </summary>
    private void UseStaticWebAssets(WebApplicationBuilder builder)
    {
        var manifest = StaticWebAssetsManifest.Find(environment.ApplicationName);
        if (manifest is null)
        {
            logger.LogWarning("No static web assets manifest for {App}: the dashboard will have no styles", environment.ApplicationName);
            return;
        }

        builder.Configuration[WebHostDefaults.StaticWebAssetsKey] = manifest;
        StaticWebAssetsLoader.UseStaticWebAssets(builder.Environment, builder.Configuration);
    }
}
