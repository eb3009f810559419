using System.Text.Json;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// One local state directory (journal.db and mirrors/) used by every CLI process a test starts,
/// as if they all ran on the same laptop.
/// </summary>
public sealed class Workstation
{
    private readonly SupervisionHost _host;

    public Workstation(SupervisionHost host, string stateDir)
    {
        _host = host;
        StateDir = stateDir;
        Directory.CreateDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string StateDir { get; }

    public string JournalPath => Path.Combine(StateDir, "journal.db");

    public CliProcess Start(string[] args, IDictionary<string, string?>? env = null) => _host.Cli.Start(args, Environment(env));

    public Task<CliResult> RunAsync(string[] args, IDictionary<string, string?>? env = null, TimeSpan? timeout = null) =>
        _host.Cli.RunAsync(args, Environment(env), timeout);

    /// <summary>`daemon --poll 200ms` with fast liveness options.</summary>
    public CliProcess StartDaemon() => Start(["daemon", "--poll", "200ms", .. SupervisionHost.Fast]);

    /// <summary>`jobs --json`, parsed.</summary>
    public async Task<IReadOnlyList<JournalEntry>> JobsAsync()
    {
        var result = await RunAsync(["jobs", "--json"]);
        Assert.True(result.ExitCode == 0, $"jobs --json failed: {result}");
        return JournalEntry.ParseArray(result.StdoutText);
    }

    public async Task<JournalEntry> JobAsync(string id) =>
        (await JobsAsync()).SingleOrDefault(j => j.Id == id) ?? throw new InvalidOperationException($"no job {id} in the journal of {StateDir}");

    /// <summary>Polls `jobs --json` until <paramref name="condition"/> holds for the journal.</summary>
    public async Task<IReadOnlyList<JournalEntry>> WaitForJournalAsync(Func<IReadOnlyList<JournalEntry>, bool> condition, TimeSpan timeout, string what)
    {
        IReadOnlyList<JournalEntry> last = [];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            last = await JobsAsync();
            if (condition(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the journal never showed {what}; last seen:\n{string.Join('\n', last)}");
            }

            await Task.Delay(Poll.DefaultInterval * 10);
        }
    }

    /// <summary>Every local copy of a job's log below the state directory (there must be exactly one).</summary>
    public IReadOnlyList<string> Mirrors(string id) =>
        Directory.Exists(Path.Combine(StateDir, "mirrors"))
            ? [.. Directory.EnumerateFiles(Path.Combine(StateDir, "mirrors"), id + ".out", SearchOption.AllDirectories)]
            : [];

    public long MirrorLength(string id) => Mirrors(id) is [var path] ? new FileInfo(path).Length : 0;

    public byte[] ReadMirror(string id) => File.ReadAllBytes(Assert.Single(Mirrors(id)));

    private Dictionary<string, string?> Environment(IDictionary<string, string?>? env) =>
        new(env ?? new Dictionary<string, string?>()) { ["SESSIONKEEPER_STATE_DIR"] = StateDir };
}

/// <summary>One object of `jobs --json`.</summary>
public sealed record JournalEntry(string Id, string State, string Phase, int? ExitCode, int? Signal, int Attempt, string? RootId, string? Mirror, long CommittedLength)
{
    public static IReadOnlyList<JournalEntry> ParseArray(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(From)];
    }

    private static JournalEntry From(JsonElement e) => new(
        e.GetProperty("id").GetString()!,
        e.GetProperty("state").GetString()!,
        e.GetProperty("phase").GetString()!,
        Int(e, "exit_code"),
        Int(e, "signal"),
        e.GetProperty("attempt").GetInt32(),
        e.TryGetProperty("root_id", out var root) ? root.GetString() : null,
        e.GetProperty("mirror").GetString(),
        e.GetProperty("committed_length").GetInt64());

    private static int? Int(JsonElement e, string name) =>
        e.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetInt32() : null;
}
