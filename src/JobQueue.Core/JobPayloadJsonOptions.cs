using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace JobQueue;

/// <summary>
/// How typed payloads and results are written and read (System.Text.Json, web defaults: camelCase). Add a
/// source-generated context in front for speed or trimming:
/// <c>services.Configure&lt;JobPayloadJsonOptions&gt;(o =&gt; o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJson.Default))</c>.
/// </summary>
public sealed class JobPayloadJsonOptions
{
    public JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        // Explicit, so a context inserted in front of the chain adds to reflection instead of replacing it.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}
