namespace JobQueue.Hosting;

/// <summary>Runs before any resource starts, to adjust the model (Aspire's hook of the same name).</summary>
public interface IDistributedApplicationLifecycleHook
{
    Task BeforeStartAsync(DistributedApplicationModel model, CancellationToken cancellationToken);
}
