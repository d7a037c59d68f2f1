namespace JobQueue;

/// <summary>
/// A job of an owner as the owner's feed shows it: its state after its last change, made at <see cref="ChangedAt"/> (Unix
/// ms, Redis time) as the owner's index has it. Not its payload or history: a feed never sends them, and a catch-up reads
/// thousands of jobs, whose payloads (up to the API's 1 MiB each) would weigh on every page it holds.
/// </summary>
public sealed record OwnedJob(
    string JobId, string Queue, string Type, long Version, string Status, int Attempts, string? ProgressJson, string? ResultJson,
    string? Error, long ChangedAt);
