using System.Text.Json;
using System.Text.Json.Nodes;

namespace JobQueue.Processing;

/// <summary>
/// The job an attempt is running. <see cref="Attempt"/> counts within the current attempt budget (a manual
/// retry starts a new one); <see cref="Run"/> counts every run of the job.
/// </summary>
public sealed class JobContext(
    string jobId, string type, string queue, string payloadJson, int attempt, int run, Func<JsonNode, Task> reportProgress,
    Func<Task<IReadOnlyDictionary<string, string>>>? readDependencyResults = null)
{
    private static readonly JsonDocumentOptions ReaderOptions = new() { MaxDepth = JsonNesting.ReaderMaxDepth };

    private JsonNode? _payload;
    private bool _parsed;

    public string JobId => jobId;

    public string Type => type;

    /// <summary>The queue the job came from.</summary>
    public string Queue => queue;

    /// <summary>The payload as submitted (JSON text).</summary>
    public string PayloadJson => payloadJson;

    /// <summary>The payload parsed on first use; a payload that is not JSON fails the job for good.</summary>
    public JsonNode? Payload
    {
        get
        {
            if (!_parsed)
            {
                try
                {
                    _payload = JsonNode.Parse(payloadJson, documentOptions: ReaderOptions);
                }
                catch (JsonException)
                {
                    throw new PermanentJobFailureException("The job's payload is not valid JSON.");
                }

                _parsed = true;
            }

            return _payload;
        }
    }

    public int Attempt => attempt;

    public int Run => run;

    /// <summary>
    /// Publishes progress (a number or small JSON) to watchers and to <c>GET /jobs/{id}</c>; an <see cref="ArgumentException"/>
    /// for progress nested deeper than <see cref="JsonNesting.MaxStoredDepth"/>, which those could not show.
    /// </summary>
    public Task ReportProgressAsync(JsonNode progress) =>
        JsonNesting.IsWithin(progress.ToJsonString(), JsonNesting.MaxStoredDepth)
            ? reportProgress(progress)
            : throw new ArgumentException($"Progress nests deeper than {JsonNesting.MaxStoredDepth} levels.", nameof(progress));

    /// <summary>
    /// The results of the jobs this one depends on that ended done, by job id (a flow's parent reads its children's here).
    /// A dependency that failed or was canceled under <see cref="DependencyFailure.Continue"/> has none. Read from Redis
    /// when called: a job with 10,000 dependencies reads them only if its handler asks.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, JsonNode?>> DependencyResultsAsync()
    {
        if (readDependencyResults is null)
        {
            return new Dictionary<string, JsonNode?>();
        }

        return (await readDependencyResults()).ToDictionary(r => r.Key, r => JsonNode.Parse(r.Value, documentOptions: ReaderOptions));
    }
}
