namespace JobQueue.Hosting;

/// <summary>The app cannot start or run as described: a port taken, a project not built, a resource that died before it was ready.</summary>
public class DistributedApplicationException(string message) : Exception(message);
