using JobQueue.Hosting.Kubernetes;
using JobQueue.Redis;

namespace JobQueue.Hosting.Autoscaling;

/// <summary>
/// An autoscaled pool in the published manifests: a KEDA <c>ScaledObject</c> with the AppHost's bounds, targets and
/// stabilisation, and two <c>redis-streams</c> triggers per queue (keda.sh/docs/scalers/redis-streams): the consumer
/// group's lag (<c>lagCount</c>, the waiting jobs: the one trigger that scales from zero, Redis 7+) and its pending
/// entries (<c>pendingEntriesCount</c>, the running ones, a dead worker's included), each targeting
/// <see cref="AutoscalingPolicy.JobsPerReplica"/>. Due scheduled jobs are stream entries by then (the API forwards
/// them), so the lag counts them. The Redis address and password come from the deployer's Secret, through a
/// <c>TriggerAuthentication</c>.
/// </summary>
internal static class KedaScaledObject
{
    public const string AddressKey = "redis-address";
    public const string PasswordKey = "redis-password";

    public static void Add(KubernetesResourceContext manifests, AutoscalingPolicy policy)
    {
        var name = manifests.Resource.Name;
        var authentication = name + "-redis";
        manifests.SetReplicas(policy.MinReplicas);
        // KEDA reads addressFromEnv from the scale target's container.
        manifests.AddSecretEnvironment("REDIS_ADDRESS", AddressKey);
        manifests.SecretKeys.Add(PasswordKey);
        manifests.Documents.Add(new Dictionary<string, object?>
        {
            ["apiVersion"] = "keda.sh/v1alpha1",
            ["kind"] = "TriggerAuthentication",
            ["metadata"] = new Dictionary<string, object?> { ["name"] = authentication },
            ["spec"] = new Dictionary<string, object?>
            {
                ["secretTargetRef"] = new List<object?>
                {
                    new Dictionary<string, object?> { ["parameter"] = "password", ["name"] = manifests.SecretName, ["key"] = PasswordKey },
                },
            },
        });
        var seconds = (int)Math.Ceiling(policy.ScaleDownStabilization.TotalSeconds);
        manifests.Documents.Add(new Dictionary<string, object?>
        {
            ["apiVersion"] = "keda.sh/v1alpha1",
            ["kind"] = "ScaledObject",
            ["metadata"] = new Dictionary<string, object?> { ["name"] = name },
            ["spec"] = new Dictionary<string, object?>
            {
                ["scaleTargetRef"] = new Dictionary<string, object?> { ["name"] = name },
                ["minReplicaCount"] = policy.MinReplicas,
                ["maxReplicaCount"] = policy.MaxReplicas,
                ["pollingInterval"] = Math.Max(1, (int)Math.Ceiling(policy.PollingInterval.TotalSeconds)),
                // How long after the last activity KEDA waits to go to zero; the HPA's window, below, rules 1 and up.
                ["cooldownPeriod"] = seconds,
                ["advanced"] = new Dictionary<string, object?>
                {
                    ["horizontalPodAutoscalerConfig"] = new Dictionary<string, object?>
                    {
                        ["behavior"] = new Dictionary<string, object?>
                        {
                            ["scaleDown"] = new Dictionary<string, object?> { ["stabilizationWindowSeconds"] = seconds },
                        },
                    },
                },
                ["triggers"] = policy.Queues.SelectMany(queue => Triggers(new QueueKeys(queue), policy, authentication)).ToList(),
            },
        });
    }

    private static IEnumerable<object?> Triggers(QueueKeys queue, AutoscalingPolicy policy, string authentication)
    {
        var target = policy.JobsPerReplica.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return Trigger(queue, authentication, new() { ["lagCount"] = target, ["activationLagCount"] = "0" });
        yield return Trigger(queue, authentication, new() { ["pendingEntriesCount"] = target });
    }

    private static Dictionary<string, object?> Trigger(QueueKeys queue, string authentication, Dictionary<string, object?> threshold) => new()
    {
        ["type"] = "redis-streams",
        ["metadata"] = new Dictionary<string, object?>
        {
            ["addressFromEnv"] = "REDIS_ADDRESS",
            ["stream"] = queue.Stream.ToString(),
            ["consumerGroup"] = QueueKeys.ConsumerGroup,
        }.Concat(threshold).ToDictionary(),
        ["authenticationRef"] = new Dictionary<string, object?> { ["name"] = authentication },
    };
}
