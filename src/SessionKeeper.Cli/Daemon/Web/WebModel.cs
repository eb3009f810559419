using System.Text.Json.Serialization;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>The front page: batches with their counts per state, and the latest jobs.</summary>
internal sealed record WebOverview(IReadOnlyList<WebBatch> Batches, IReadOnlyList<WebJob> Jobs, int JobsTotal);

/// <summary>One batch in a listing: its hosts (latest attempt each) counted per state.</summary>
internal sealed record WebBatch(string Id, int Hosts, DateTimeOffset Created, IReadOnlyList<WebCount> Counts);

/// <summary>How many hosts are in one state.</summary>
internal sealed record WebCount(string State, int Count);

/// <summary>A batch's page: counts per state, then every host in natural order.</summary>
internal sealed record WebBatchDetail(string Id, DateTimeOffset Created, IReadOnlyList<WebCount> Counts, IReadOnlyList<WebJob> Hosts);

/// <summary>
/// One job as the pages show it. Host, target and command are made visible already (controls
/// escaped); the page puts them in the document as text, never as markup.
/// </summary>
internal sealed record WebJob(
    string Id,
    string Host,
    string Target,
    string State,
    int? ExitCode,
    int? Signal,
    double? DurationSeconds,
    bool Finished,
    string? BatchId,
    int Attempt,
    DateTimeOffset Created,
    string Command,
    string? Detail);

/// <summary>A piece of a job's output on the event stream, made visible (see <see cref="OutputText"/>).</summary>
internal sealed record WebChunk(string Stream, string Text);

/// <summary>The event stream's last event: the job ended and all its output was sent.</summary>
internal sealed record WebEnd(string State, int? ExitCode);

/// <summary>An error body of the JSON endpoints.</summary>
internal sealed record WebError(string Error);

/// <summary>
/// Source-generated serialization (no reflection: the CLI is built for Native AOT). The default
/// encoder escapes &lt;, &gt;, &amp; and quotes as \uXXXX, so no JSON body can close a tag.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebOverview))]
[JsonSerializable(typeof(WebBatchDetail))]
[JsonSerializable(typeof(WebJob))]
[JsonSerializable(typeof(WebChunk))]
[JsonSerializable(typeof(WebEnd))]
[JsonSerializable(typeof(WebError))]
internal sealed partial class WebJson : JsonSerializerContext;
