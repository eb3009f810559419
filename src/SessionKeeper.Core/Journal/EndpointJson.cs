using System.Text.Json.Serialization;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// A job's target as the journal stores it: the whole <see cref="JobEndpoint"/>, settings and jump
/// hosts included, as one JSON document in jobs.target_json (schema 7). <see cref="EndpointSettings"/>
/// alone is what jobs.ssh_settings held (schemas 3 to 6), read only by the migration to 7. Strict on
/// reading: a member the record cannot do without that is missing or null is a malformed record,
/// not a default.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(JobEndpoint))]
[JsonSerializable(typeof(EndpointSettings))]
internal sealed partial class EndpointJson : JsonSerializerContext;
