using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.QueueDashboard;

/// <summary>
/// A team's own ASP.NET Core app that mounts the queue dashboard over a test's Redis, on a free loopback port, set up
/// by the test as a team would (forwarded headers behind a proxy, a path base, its own authentication and policy).
/// Its log lines are kept in <see cref="Logs"/>.
/// </summary>
public sealed class MountedDashboardApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MountedDashboardApp(WebApplication app, Uri root, List<string> logs) => (_app, Root, Logs) = (app, root, logs);

    /// <summary>The app's root (before any path base).</summary>
    public Uri Root { get; }

    public List<string> Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<MountedDashboardApp> StartAsync(
        string redisConnectionString, Action<WebApplication> mount, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:redis"] = redisConnectionString;
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new List<string>();
        builder.Logging.ClearProviders().AddProvider(new ListLoggerProvider(logs));
        builder.AddJobQueue("redis");
        builder.Services.AddJobQueueDashboard();
        configure?.Invoke(builder);
        var app = builder.Build();
        mount(app);
        await app.StartAsync();
        var root = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new MountedDashboardApp(app, root, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add($"{logLevel}: {formatter(state, exception)}");
                }
            }
        }
    }
}

/// <summary>An operator signed in by the app's own means: here a header the test sets (its name is the user's name).</summary>
public sealed class OperatorHeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "operator-header";
    public const string Header = "X-Operator";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(Request.Headers[Header].FirstOrDefault() is { Length: > 0 } name
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], Name)), Name))
            : AuthenticateResult.NoResult());
}
