namespace JobQueue;

/// <summary>An Idempotency-Key sent again with a different request than the one it first came with.</summary>
public sealed class IdempotencyKeyReusedException() : Exception("The Idempotency-Key was already used for a different request.");
