namespace JobQueue.Redis;

/// <summary>
/// An attempt this consumer now owns: the token fences every later write for it. <see cref="Waited"/> is the
/// time from enqueue to this claim, by Redis's clock; <see cref="Run"/> counts runs over the job's whole life
/// (a manual retry resets <see cref="Attempt"/>, not Run). <see cref="Policy"/> is the job's own, if it was given one.
/// </summary>
internal sealed record ClaimedJob(
    string EntryId,
    string JobId,
    string Type,
    string PayloadJson,
    int Attempt,
    string Token,
    string? TraceParent,
    TimeSpan Waited,
    int Run,
    JobPolicy? Policy = null);
