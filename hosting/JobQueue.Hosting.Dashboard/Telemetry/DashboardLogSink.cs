using Microsoft.Extensions.Logging;

namespace JobQueue.Hosting.Dashboard.Telemetry;

/// <summary>
/// Puts the dashboard's own action log (category <c>JobQueue.Hosting.Dashboard.Actions</c>: who did what) on its Structured logs
/// page, as resource <c>dashboard</c>, with the message's named values as attributes. Every other category only goes
/// to the console.
/// </summary>
internal sealed class DashboardLogSink(TelemetryStore telemetry) : ILoggerProvider
{
    public const string Resource = "dashboard";

    private const string Category = "JobQueue.Hosting.Dashboard.Actions";

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Sink(telemetry) : NullLogger;

    public void Dispose()
    {
    }

    private static readonly ILogger NullLogger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private sealed class Sink(TelemetryStore telemetry) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            // The named values of the message template ({Session}, {Action}, ...), not the template itself.
            var attributes = state is IReadOnlyList<KeyValuePair<string, object?>> values
                ? values.Where(v => v.Key != "{OriginalFormat}").Select(v => new KeyValuePair<string, string>(v.Key, v.Value?.ToString() ?? "")).ToList()
                : [];
            telemetry.Add(Resource, logLevel, formatter(state, exception), Category, attributes);
        }
    }
}
