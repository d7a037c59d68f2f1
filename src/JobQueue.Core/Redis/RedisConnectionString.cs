namespace JobQueue.Redis;

/// <summary>The queue's Redis connection string, as <c>AddJobQueue</c> found it, for components that open connections of their own.</summary>
public sealed record RedisConnectionString(string Value);
