using Google.Protobuf;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;

namespace JobQueue.Hosting.Dashboard.Telemetry;

/// <summary>Turns OTLP wire values into what the dashboard shows.</summary>
internal static class OtlpValues
{
    public static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("G"),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {Text(kv.Value)}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.ToByteArray()),
        _ => "",
    };

    public static List<KeyValuePair<string, string>> Attributes(RepeatedField<KeyValue> attributes) =>
        [.. attributes.Select(a => new KeyValuePair<string, string>(a.Key, Text(a.Value)))];

    public static string? Attribute(RepeatedField<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key) is { } kv ? Text(kv.Value) : null;

    /// <summary>Lower-case hex, as W3C trace context writes ids; null for an empty id.</summary>
    public static string? Id(ByteString id) => id.IsEmpty ? null : Convert.ToHexStringLower(id.Span);

    public static DateTimeOffset Time(ulong unixNano) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100));

    /// <summary>The resource (service.name) and replica (service.instance.id) a batch came from.</summary>
    public static (string Resource, string Instance) Identity(OpenTelemetry.Proto.Resource.V1.Resource? resource)
    {
        var attributes = resource?.Attributes ?? [];
        var name = Attribute(attributes, "service.name") ?? "unknown";
        return (name, Attribute(attributes, "service.instance.id") ?? name);
    }

    public static string Level(int severityNumber) => severityNumber switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => "Unspecified",
    };
}
