using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Reads the telemetry (spans, logs) the real Aspire 13.6 dashboard received, through its telemetry HTTP API: what the
/// imitation's in-process TelemetryStore gave tests, for an app run by real Aspire.
/// </summary>
/// <remarks>
/// <para>
/// The API (Aspire.Dashboard's <c>MapTelemetryApi</c>; on unless <c>Dashboard:Api:Disabled</c>, and an AppHost always
/// turns it on with <c>ASPIRE_DASHBOARD_API_ENABLED=true</c>), all GET and answered in OTLP JSON
/// (<c>{"data":{"resourceSpans"|"resourceLogs":[...]},"totalCount":n,"returnedCount":n}</c>; every attribute value
/// as a <c>stringValue</c>; an unknown resource or trace is a 404):
/// <list type="bullet">
/// <item><c>/api/telemetry/resources</c>: <c>[{"name","instanceId","displayName","hasLogs","hasTraces","hasMetrics"}]</c>.
/// A resource with replicas is one entry per replica, each with its display name (<c>worker-fbrqqraf</c>); a filter
/// <c>resource=worker</c> on such a resource is a 404 (ambiguous): this client names every replica instead.</item>
/// <item><c>/api/telemetry/traces/{traceId}</c>: every span of one trace.</item>
/// <item><c>/api/telemetry/spans?resource=..&amp;traceId=..&amp;hasError=..&amp;limit=..&amp;search=..</c>
/// (<c>resource</c> repeatable; <c>limit</c> keeps the newest, 200 by default; <c>follow=true</c> streams NDJSON).</item>
/// <item><c>/api/telemetry/logs?resource=..&amp;traceId=..&amp;severity=..&amp;limit=..&amp;search=..</c> (the same;
/// <c>severity</c> is a minimum level).</item>
/// <item><c>/api/telemetry/traces?resource=..&amp;hasError=..&amp;limit=..</c> (the newest 100 traces by default).</item>
/// </list>
/// </para>
/// <para>
/// Authentication: header <c>x-api-key: &lt;key&gt;</c>. An AppHost generates the key (configuration
/// <c>AppHost:DashboardApiKey</c>, passed to the dashboard as <c>DASHBOARD__API__AUTHMODE=ApiKey</c> and
/// <c>DASHBOARD__API__PRIMARYAPIKEY</c>); it is printed nowhere, but <c>POST /api/telemetry/validateToken</c> with
/// <c>{"token":"&lt;browser token&gt;"}</c> (the <c>t</c> of the printed login link) answers <c>{"apiKey":"..."}</c>
/// (<c>null</c> when the API is unsecured; 401 for a wrong token). Without the header the API accepts the browser's
/// login cookie; otherwise it is a 401.
/// </para>
/// <para>
/// From an app run by <c>Aspire.Hosting.Testing</c> (13.6): create the builder with the dashboard on,
/// <c>DistributedApplicationTestingBuilder.CreateAsync&lt;Projects.JobQueue_AppHost&gt;(new
/// DistributedApplicationTestingBuilderOptions { EnableDashboard = true }, args)</c> (it is off by default; the
/// options-callback overload, <c>CreateAsync&lt;T&gt;(args, (options, _) =&gt; options.DisableDashboard = false)</c>,
/// should also turn it on, per Aspire.Hosting.Testing's source, but is not what AspireDashboardTestingBuilderTests
/// runs), start the app, then <see cref="FromAppAsync"/>: <c>app.GetDashboardUrlAsync()</c> waits for the
/// <c>aspire-dashboard</c> resource to be healthy and answers its login link
/// (<c>http://localhost:&lt;port&gt;/login?t=&lt;browser token&gt;</c>), whose token this client trades for the API key.
/// The same values are in the app's configuration, <c>AppHost:BrowserToken</c> and <c>AppHost:DashboardApiKey</c>, the
/// address being the <c>http</c> endpoint of the resource <c>aspire-dashboard</c>
/// (<c>app.GetEndpoint("aspire-dashboard", "http")</c>). JobQueue.AppHost binds the dashboard to
/// <c>--Dashboard:Port</c> (18888 unless given) and its OTLP receivers to <c>--Dashboard:OtlpGrpcPort</c> and
/// <c>--Dashboard:OtlpHttpPort</c> (4317, 4318), each refused when taken: a test passes free ones. Under the testing
/// builder the dashboard is then NOT reached on <c>--Dashboard:Port</c> but on a random port
/// (<c>DcpPublisher:RandomizePorts</c>, as for the API's port): so the queue dashboard's trace links, which
/// JobQueue.AppHost builds from <c>--Dashboard:Port</c> (<c>Api__Dashboard__TraceUrlTemplate</c>), point where no
/// dashboard is; read the address from the app, never from the arguments.
/// </para>
/// <para>Telemetry reaches the dashboard in batches, a second or few after the fact: poll (<see cref="Eventually"/>).</para>
/// </remarks>
public sealed class AspireDashboardTelemetry : IDisposable
{
    /// <summary>The header the telemetry API reads its key from.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>More than a test's app ever sends: the API keeps the newest <c>limit</c> (200 by default).</summary>
    private const int Everything = 100_000;

    private readonly HttpClient _http;

    /// <param name="dashboard">The dashboard's address, e.g. <c>http://127.0.0.1:18888</c>.</param>
    /// <param name="apiKey">The telemetry API's key; <see langword="null"/> when the API is unsecured.</param>
    public AspireDashboardTelemetry(Uri dashboard, string? apiKey)
    {
        Dashboard = new Uri(dashboard.GetLeftPart(UriPartial.Authority));
        _http = new HttpClient { BaseAddress = Dashboard, Timeout = TimeSpan.FromSeconds(10) };
        if (apiKey is not null)
        {
            _http.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        }
    }

    public Uri Dashboard { get; }

    /// <summary>
    /// From the dashboard's login link (<c>http://host:port/login?t=&lt;browser token&gt;</c>, which an AppHost prints and
    /// <c>app.GetDashboardUrlAsync()</c> answers): trades the browser token for the API key.
    /// </summary>
    public static async Task<AspireDashboardTelemetry> FromLoginUrlAsync(Uri loginUrl)
    {
        var token = System.Web.HttpUtility.ParseQueryString(loginUrl.Query)["t"];
        if (string.IsNullOrEmpty(token))
        {
            // An unsecured dashboard (no browser token): so is its API.
            return new AspireDashboardTelemetry(loginUrl, apiKey: null);
        }

        using var http = new HttpClient { BaseAddress = new Uri(loginUrl.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.PostAsJsonAsync("/api/telemetry/validateToken", new { token });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"The dashboard at {http.BaseAddress} refused its browser token for the telemetry API's key: {(int)response.StatusCode} {response.StatusCode}");
        }

        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var apiKey = answer.TryGetProperty("apiKey", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null;
        return new AspireDashboardTelemetry(loginUrl, apiKey);
    }

    /// <summary>
    /// From an app run by Aspire.Hosting.Testing with its dashboard on (<c>EnableDashboard = true</c>) and started:
    /// waits for the dashboard (<c>GetDashboardUrlAsync</c>), then <see cref="FromLoginUrlAsync"/>.
    /// </summary>
    public static async Task<AspireDashboardTelemetry> FromAppAsync(DistributedApplication app, CancellationToken cancellationToken = default) =>
        await FromLoginUrlAsync(await app.GetDashboardUrlAsync(cancellationToken));

    /// <summary>The link an AppHost prints (<c>Login to the dashboard at http://...</c>), from its output; null before it does.</summary>
    public static Uri? LoginUrlIn(IEnumerable<string> appHostOutput) => appHostOutput
        .Select(line => line.IndexOf("Login to the dashboard at ", StringComparison.Ordinal) is var at and >= 0
            ? line[(at + "Login to the dashboard at ".Length)..].Trim()
            : null)
        .Where(url => url is not null && Uri.IsWellFormedUriString(url, UriKind.Absolute))
        .Select(url => new Uri(url!))
        .FirstOrDefault();

    /// <summary>The resources (each replica on its own) that sent telemetry.</summary>
    public async Task<IReadOnlyList<TelemetryResource>> ResourcesAsync()
    {
        using var response = await _http.GetAsync("/api/telemetry/resources");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException($"The dashboard at {Dashboard} serves no telemetry API (Dashboard:Api:Disabled?)");
        }

        EnsureAllowed(response);
        var resources = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. resources.EnumerateArray().Select(r => new TelemetryResource(
            r.GetProperty("name").GetString()!, Text(r, "instanceId"), r.GetProperty("displayName").GetString()!,
            Flag(r, "hasLogs"), Flag(r, "hasTraces"), Flag(r, "hasMetrics")))];
    }

    /// <summary>Every span of the trace so far, of every resource; none when the dashboard has none of it (yet).</summary>
    public async Task<IReadOnlyList<Span>> TraceAsync(string traceId) =>
        SpansOf(await GetOrNullAsync($"/api/telemetry/traces/{Uri.EscapeDataString(traceId)}"));

    /// <summary>The spans of <paramref name="resource"/> (every replica; null: every resource), of one trace or of all.</summary>
    public async Task<IReadOnlyList<Span>> SpansAsync(string? resource = null, string? traceId = null)
    {
        var query = await ResourceQueryAsync(resource);
        if (query is null)
        {
            return [];
        }

        if (traceId is not null)
        {
            query += "&traceId=" + Uri.EscapeDataString(traceId);
        }

        return SpansOf(await GetOrNullAsync($"/api/telemetry/spans?limit={Everything}{query}"));
    }

    /// <summary>The trace of a job: that of the spans with its <c>jobqueue.job.id</c> (enqueue, process); null before any arrived.</summary>
    public async Task<string?> TraceIdOfJobAsync(string jobId) => (await SpansAsync())
        .FirstOrDefault(span => span.Attribute("jobqueue.job.id") == jobId)?.TraceId;

    /// <summary>
    /// The log records of <paramref name="resource"/> (every replica of it) whose message contains
    /// <paramref name="containing"/> (ordinal), oldest first; none before the resource sent any log.
    /// </summary>
    public async Task<IReadOnlyList<LogRecord>> LogsAsync(string resource, string containing = "")
    {
        var query = await ResourceQueryAsync(resource);
        if (query is null)
        {
            return [];
        }

        var logs = await GetOrNullAsync($"/api/telemetry/logs?limit={Everything}{query}");
        return [.. LogsOf(logs).Where(log => log.Message.Contains(containing, StringComparison.Ordinal))];
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The <c>resource</c> parameters naming every replica of <paramref name="resource"/>: "" for all; null when it sent nothing yet.</summary>
    private async Task<string?> ResourceQueryAsync(string? resource)
    {
        if (resource is null)
        {
            return "";
        }

        var replicas = (await ResourcesAsync()).Where(r => r.Name == resource || r.DisplayName == resource).ToList();
        return replicas.Count == 0 ? null : string.Concat(replicas.Select(r => "&resource=" + Uri.EscapeDataString(r.DisplayName)));
    }

    private async Task<JsonElement?> GetOrNullAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        EnsureAllowed(response);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private void EnsureAllowed(HttpResponseMessage response)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || response.RequestMessage?.RequestUri?.AbsolutePath == "/login")
        {
            throw new InvalidOperationException($"The dashboard at {Dashboard} refused the telemetry API's key ({(int)response.StatusCode}): give the key, or the login link to get it");
        }

        response.EnsureSuccessStatusCode();
    }

    private static IReadOnlyList<Span> SpansOf(JsonElement? answer)
    {
        var spans = new List<Span>();
        if (answer is not { } body || !body.TryGetProperty("data", out var data) || !data.TryGetProperty("resourceSpans", out var resourceSpans))
        {
            return spans;
        }

        foreach (var resourceSpan in resourceSpans.EnumerateArray())
        {
            var (service, instance) = ResourceOf(resourceSpan);
            foreach (var scopeSpan in Items(resourceSpan, "scopeSpans"))
            {
                var scope = scopeSpan.TryGetProperty("scope", out var s) ? Text(s, "name") ?? "" : "";
                foreach (var span in Items(scopeSpan, "spans"))
                {
                    var status = span.TryGetProperty("status", out var st) ? st : default;
                    spans.Add(new Span(
                        Text(span, "traceId")!, Text(span, "spanId")!, Text(span, "parentSpanId") is { Length: > 0 } parent ? parent : null,
                        Text(span, "name") ?? "", service, instance, scope,
                        span.TryGetProperty("kind", out var kind) ? kind.GetInt32() : 0,
                        Time(span, "startTimeUnixNano"), Time(span, "endTimeUnixNano"), Attributes(span),
                        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("code", out var code) ? code.GetInt32() : 0,
                        status.ValueKind == JsonValueKind.Object ? Text(status, "message") : null));
                }
            }
        }

        return spans;
    }

    private static IEnumerable<LogRecord> LogsOf(JsonElement? answer)
    {
        if (answer is not { } body || !body.TryGetProperty("data", out var data) || !data.TryGetProperty("resourceLogs", out var resourceLogs))
        {
            yield break;
        }

        foreach (var resourceLog in resourceLogs.EnumerateArray())
        {
            var (service, instance) = ResourceOf(resourceLog);
            foreach (var scopeLog in Items(resourceLog, "scopeLogs"))
            {
                var scope = scopeLog.TryGetProperty("scope", out var s) ? Text(s, "name") ?? "" : "";
                foreach (var log in Items(scopeLog, "logRecords"))
                {
                    yield return new LogRecord(
                        Time(log, "timeUnixNano"), service, instance, scope, Text(log, "severityText") ?? "",
                        log.TryGetProperty("body", out var message) ? ValueText(message) : "",
                        Text(log, "traceId") is { Length: > 0 } trace ? trace : null, Text(log, "spanId") is { Length: > 0 } span ? span : null,
                        Attributes(log));
                }
            }
        }
    }

    /// <summary>The resource's <c>service.name</c> (the Aspire resource's name: <c>worker</c> for each replica) and <c>service.instance.id</c>.</summary>
    private static (string Service, string? Instance) ResourceOf(JsonElement resourceItem)
    {
        var attributes = resourceItem.TryGetProperty("resource", out var resource) ? Attributes(resource) : new Dictionary<string, string>();
        return (attributes.GetValueOrDefault("service.name") ?? "", attributes.GetValueOrDefault("service.instance.id"));
    }

    private static Dictionary<string, string> Attributes(JsonElement item) =>
        Items(item, "attributes").ToDictionary(a => a.GetProperty("key").GetString()!, a => ValueText(a.GetProperty("value")), StringComparer.Ordinal);

    /// <summary>An OTLP AnyValue as text: the dashboard sends strings; the other kinds as their JSON.</summary>
    private static string ValueText(JsonElement value)
    {
        foreach (var property in value.EnumerateObject())
        {
            return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }

        return "";
    }

    private static IEnumerable<JsonElement> Items(JsonElement item, string name) =>
        item.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : [];

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(JsonElement item, string name) => item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>OTLP JSON's nanoseconds since the epoch (a string, per the spec; a number tolerated).</summary>
    private static DateTimeOffset Time(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out var value))
        {
            return default;
        }

        var nanoseconds = value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64();
        return DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
    }

    /// <summary>A resource with telemetry; <see cref="DisplayName"/> tells replicas apart (<c>worker-fbrqqraf</c>).</summary>
    public sealed record TelemetryResource(string Name, string? InstanceId, string DisplayName, bool HasLogs, bool HasTraces, bool HasMetrics);

    /// <summary>
    /// One span. <see cref="Resource"/> is the Aspire resource's name (<c>service.name</c>: <c>api</c>, <c>worker</c>),
    /// <see cref="ResourceInstance"/> the replica (<c>service.instance.id</c>). <see cref="Kind"/> and
    /// <see cref="StatusCode"/> are OTLP's numbers (kind 1 internal, 2 server, 3 client, 4 producer, 5 consumer; status 0
    /// unset, 1 ok, 2 error).
    /// </summary>
    public sealed record Span(
        string TraceId, string SpanId, string? ParentSpanId, string Name, string Resource, string? ResourceInstance, string Scope, int Kind,
        DateTimeOffset Start, DateTimeOffset End, IReadOnlyDictionary<string, string> Attributes, int StatusCode, string? StatusMessage)
    {
        public string? Attribute(string key) => Attributes.GetValueOrDefault(key);

        /// <summary>What a failed wait shows: <c>worker: handle echo</c>.</summary>
        public override string ToString() => $"{Resource}: {Name}";
    }

    /// <summary>One log record: its formatted <see cref="Message"/>, <see cref="Severity"/> (<c>Information</c>, ...) and the template's values in <see cref="Attributes"/>.</summary>
    public sealed record LogRecord(
        DateTimeOffset Time, string Resource, string? ResourceInstance, string Scope, string Severity, string Message, string? TraceId,
        string? SpanId, IReadOnlyDictionary<string, string> Attributes)
    {
        public override string ToString() => $"{Resource}: {Severity}: {Message}";
    }
}
