namespace JobQueue.Redis;

/// <summary>A job on its way into enqueue.lua: validated, with its new id and the traceparent its hash records.</summary>
internal readonly record struct PendingJob(NewJob Job, string Id, string TraceParent);
