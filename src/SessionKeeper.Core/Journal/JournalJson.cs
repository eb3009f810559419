using System.Text.Json.Serialization;

namespace SessionKeeper.Core.Journal;

[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(List<string[]>))]
internal sealed partial class JournalJson : JsonSerializerContext;
