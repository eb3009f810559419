namespace SessionKeeper.Ssh.HostKeys;

/// <summary>
/// The entries of one or more OpenSSH known_hosts files, looked up the way <c>ssh</c> does
/// (see sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"). Immutable once loaded, so one instance can be
/// shared between threads.
/// </summary>
/// <remarks>
/// Lines ssh would ignore are skipped and reported in <see cref="Warnings"/>. Key data is checked
/// as ssh checks it when it loads keys (valid base64, a blob whose type matches the key type field);
/// unlike ssh, a well-formed line with a key type this code does not know is kept, since it can only
/// ever match a key of exactly that type.
/// </remarks>
internal sealed partial class KnownHostsDatabase
{
    private readonly KnownHostsEntry[] _entries;
    private readonly KnownHostsWarning[] _warnings;
    private readonly string[] _sources;

    private KnownHostsDatabase(KnownHostsEntry[] entries, KnownHostsWarning[] warnings, string[] sources)
    {
        _entries = entries;
        _warnings = warnings;
        _sources = sources;
    }

    /// <summary>All valid lines, in file order (files in the order they were given).</summary>
    public IReadOnlyList<KnownHostsEntry> Entries => _entries;

    /// <summary>Lines that were skipped because ssh would ignore them, with file:line and reason.</summary>
    public IReadOnlyList<KnownHostsWarning> Warnings => _warnings;

    /// <summary>The files (or source names) that were consulted, including files that did not exist.</summary>
    public IReadOnlyList<string> Sources => _sources;

    /// <summary>
    /// Reads the given known_hosts files in order. A file that does not exist counts as empty; a file
    /// that exists but cannot be read throws <see cref="KnownHostsException"/> naming the path.
    /// </summary>
    public static KnownHostsDatabase Load(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var entries = new List<KnownHostsEntry>();
        var warnings = new List<KnownHostsWarning>();
        var sources = new List<string>();
        foreach (var path in paths)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(path, nameof(paths));
            sources.Add(path);
            var text = ReadFile(path);
            if (text is not null)
            {
                ParseInto(text, path, entries, warnings);
            }
        }

        return new KnownHostsDatabase([.. entries], [.. warnings], [.. sources]);
    }

    /// <summary>Parses known_hosts text; <paramref name="sourceName"/> is used in locations and messages.</summary>
    public static KnownHostsDatabase Parse(string text, string sourceName = "<text>")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var entries = new List<KnownHostsEntry>();
        var warnings = new List<KnownHostsWarning>();
        ParseInto(text, sourceName, entries, warnings);
        return new KnownHostsDatabase([.. entries], [.. warnings], [sourceName]);
    }

    /// <summary>
    /// The name ssh looks up for a host and port: <see cref="FormatHostPattern"/>, lower-cased as ssh
    /// lower-cases host names.
    /// </summary>
    public static string LookupName(string host, int port) => AsciiCase.ToLower(FormatHostPattern(host, port));

    /// <summary>Every entry (plain, <c>@cert-authority</c> and <c>@revoked</c>) whose host field matches, in file order.</summary>
    public IReadOnlyList<KnownHostsEntry> EntriesFor(string host, int port)
    {
        var name = LookupName(host, port);
        return [.. _entries.Where(e => e.Matches(name))];
    }

    /// <summary>The <c>@cert-authority</c> keys that apply to this host, in file order.</summary>
    public IReadOnlyList<KnownHostsEntry> CertificateAuthoritiesFor(string host, int port) =>
        [.. EntriesFor(host, port).Where(e => e.Marker == KnownHostsMarker.CertificateAuthority)];

    /// <summary>
    /// Key types of the plain, non-revoked keys recorded for this host, in file order, without
    /// duplicates; used to prefer host-key algorithms the host is already known by.
    /// </summary>
    public IReadOnlyList<string> KnownKeyTypesFor(string host, int port) =>
        KnownKeyTypes(EntriesFor(host, port));

    private static IReadOnlyList<string> KnownKeyTypes(IReadOnlyList<KnownHostsEntry> matching)
    {
        var revoked = matching.Where(e => e.Marker == KnownHostsMarker.Revoked).ToList();
        return [.. matching
            .Where(e => e.Marker == KnownHostsMarker.None && !revoked.Any(r => r.HasBlob(e.KeyBlob.Span)))
            .Select(e => e.KeyType)
            .Distinct(StringComparer.Ordinal)];
    }

    private static string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new KnownHostsException(path, $"cannot read known_hosts file {path}: {ex.Message}", ex);
        }
    }

    private static void ParseInto(string text, string source, List<KnownHostsEntry> entries, List<KnownHostsWarning> warnings)
    {
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.EndsWith('\r') ? rawLine[..^1] : rawLine;
            var entry = KnownHostsLineParser.Parse(line, source, lineNumber, out var error);
            if (entry is not null)
            {
                entries.Add(entry);
            }
            else if (error is not null)
            {
                warnings.Add(new KnownHostsWarning(source, lineNumber, error));
            }
        }
    }
}
