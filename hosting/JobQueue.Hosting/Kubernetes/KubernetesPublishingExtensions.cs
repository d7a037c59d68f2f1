using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.DependencyInjection;

namespace JobQueue.Hosting.Kubernetes;

/// <summary>Publishes the app model as Kubernetes manifests, and lets integrations extend each resource's.</summary>
public static class KubernetesPublishingExtensions
{
    /// <summary>The pipeline step that writes the manifests: <c>--operation publish --step publish-kubernetes --output-path &lt;dir&gt;</c>.</summary>
    public const string StepName = "publish-kubernetes";

    /// <summary>
    /// Adds the <see cref="StepName"/> step to the AppHost's publish pipeline (required by Aspire's <c>publish</c> step, so a
    /// plain <c>--operation publish --output-path &lt;dir&gt;</c> runs it too): the app's projects as Kubernetes manifests
    /// in the output directory (see <see cref="KubernetesPublisher"/>). Adding it twice adds it once. The step does not
    /// depend on Aspire's <c>process-parameters</c>: that step saves every parameter's value, secrets included, to
    /// ~/.aspire/deployments; the manifests need no secret value, and a non-secret parameter's value is read directly.
    /// </summary>
    public static IDistributedApplicationBuilder AddKubernetesPublishing(this IDistributedApplicationBuilder builder)
    {
        if (builder.Services.Any(service => service.ServiceType == typeof(KubernetesPublishingMarker)))
        {
            return builder;
        }

        builder.Services.AddSingleton<KubernetesPublishingMarker>();
        builder.Pipeline.AddStep(StepName, context =>
        {
            var output = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
            return KubernetesPublisher.PublishAsync(context.Model, context.ExecutionContext, output, context.Services, context.CancellationToken);
        }, requiredBy: WellKnownPipelineSteps.Publish);
        return builder;
    }

    /// <summary>Lets an integration extend <paramref name="builder"/>'s published manifests (add documents, secrets, change replicas).</summary>
    public static IResourceBuilder<T> WithKubernetesManifest<T>(this IResourceBuilder<T> builder, Action<KubernetesResourceContext> configure)
        where T : IResource =>
        builder.WithAnnotation(new KubernetesManifestAnnotation(configure));

    /// <summary>Remembers in the AppHost's services that the step was added.</summary>
    private sealed class KubernetesPublishingMarker;
}
