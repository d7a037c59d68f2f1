namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// The figures the fault tests measured, one line each, in <c>artifacts/test-report.txt</c>; <c>./test.sh</c>
/// prints it. When the test host exits it adds how many 5xx answers the tests saw from the API.
/// </summary>
public static class TestReport
{
    private static readonly Lock Gate = new();
    private static readonly string FilePath = Path.Combine(Path.GetDirectoryName(BrowserFixture.ScreenshotDirectory)!, "test-report.txt");
    private static int _serverErrors;
    private static int _unavailable;

    static TestReport() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Add(
        $"5xx answers seen by the tests: {_serverErrors} (plus {_unavailable} deliberate 503s while Redis was down or paused)");

    public static void Add(string line)
    {
        lock (Gate)
        {
            File.AppendAllLines(FilePath, [line]);
        }
    }

    /// <summary>Counts every 5xx the API answers the tests; 503 (Redis unavailable, documented) apart.</summary>
    public sealed class ServerErrorCounter() : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode == 503)
            {
                Interlocked.Increment(ref _unavailable);
            }
            else if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref _serverErrors);
            }

            return response;
        }
    }

    /// <summary>An API client whose 5xx answers are counted in the report.</summary>
    public static HttpClient ApiClient(DistributedApplication app) =>
        new(new ServerErrorCounter()) { BaseAddress = app.GetEndpoint("api") };
}
