using System.Text.Json.Serialization;

namespace SessionKeeper.Core.Journal;

/// <summary>The jobs.ssh_settings column (schema 3): <see cref="EndpointSettings"/> as JSON.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EndpointSettings))]
internal sealed partial class EndpointJson : JsonSerializerContext;
