using JobQueue.Hosting.Orchestration;

namespace JobQueue.Hosting;

/// <summary>Acts on a running replica with Aspire's command names: <c>resource-stop</c>, <c>resource-start</c>, <c>resource-restart</c>.</summary>
public sealed class ResourceCommandService
{
    public const string Stop = "resource-stop";
    public const string Start = "resource-start";
    public const string Restart = "resource-restart";

    private readonly Orchestrator _orchestrator;

    internal ResourceCommandService(Orchestrator orchestrator) => _orchestrator = orchestrator;

    public async Task ExecuteCommandAsync(string replicaName, string command)
    {
        switch (command)
        {
            case Stop:
                await _orchestrator.StopReplicaAsync(replicaName);
                break;
            case Start:
                await _orchestrator.StartReplicaAsync(replicaName);
                break;
            case Restart:
                await _orchestrator.StopReplicaAsync(replicaName);
                await _orchestrator.StartReplicaAsync(replicaName);
                break;
            default:
                throw new ArgumentException($"Unknown command '{command}'.", nameof(command));
        }
    }
}
