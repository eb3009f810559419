using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>
/// Compares which lines our lookup applies to a host with what the real <c>ssh-keygen -F</c>
/// reports, over a corpus with names, addresses, ports, wildcards, negation, markers and hashes.
/// </summary>
public class SshKeygenLookupDifferentialTests
{
    public static TheoryData<string, int> Queries => new()
    {
        { "example.com", 22 },
        { "www.example.com", 22 },
        { "WWW.Example.com", 22 },
        { "example.net", 22 },
        { "example.com", 2222 },
        { "example.com", 2200 },
        { "192.0.2.1", 22 },
        { "192.0.2.1", 2222 },
        { "2001:db8::7", 22 },
        { "2001:db8::7", 2222 },
        { "a.wild.test", 22 },
        { "bad.wild.test", 22 },
        { "x.bad.wild.test", 22 },
        { "a.wild2.test", 22 },
        { "bad.wild2.test", 22 },
        { "ab.short.test", 22 },
        { "abc.short.test", 22 },
        { "x.deep.y", 22 },
        { "deep.y", 22 },
        { "a.ports.test", 2222 },
        { "a.ports.test", 22 },
        { "a.ports.test", 8022 },
        { "x.ca.test", 22 },
        { "hashed.test", 22 },
        { "HASHED.test", 22 },
        { "hashed.test", 2200 },
        { "hashed.test", 2222 },
        { "sk-hashed-a.test", 22 },
        { "sk-hashed-a.test", 2022 },
        { "sk-hashed-b.test", 2022 },
        { "198.51.100.7", 22 },
        { "exaaample.cxm", 22 },
        { "host.only", 22 },
        { "nothing.test", 22 },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void LookupAgreesWithSshKeygen(string host, int port)
    {
        using var dir = new TempDirectory();
        var file = WriteCorpus(dir);
        var db = KnownHostsDatabase.Load([file]);
        Assert.Equal(3, db.Warnings.Count);

        var ours = db.EntriesFor(host, port).Select(Describe).ToList();
        // ssh lower-cases the host before looking it up (hashed names included); ssh-keygen -F
        // hashes its argument as given, so hand it the name ssh would look up.
        var theirs = SshKeygenFindResult.Find(KnownHostsDatabase.LookupName(host, port), file);

        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void CorpusExercisesEveryKindOfMatch()
    {
        using var dir = new TempDirectory();
        var file = WriteCorpus(dir);

        var matched = Queries
            .SelectMany(q => SshKeygenFindResult.Find(KnownHostsDatabase.LookupName((string)q[0], (int)q[1]), file))
            .ToHashSet();

        Assert.Contains(matched, m => m.EndsWith("REVOKED", StringComparison.Ordinal));
        Assert.Contains(matched, m => m.EndsWith("CA", StringComparison.Ordinal));
        var db = KnownHostsDatabase.Load([file]);
        var hashedLines = db.Entries.Where(e => e.IsHashed).Select(e => e.Line.ToString()).ToList();
        Assert.True(hashedLines.Count >= 6);
        Assert.All(hashedLines, line => Assert.Contains(matched, m => m.Split(' ')[0] == line));
    }

    private static string Describe(KnownHostsEntry entry) => entry.Marker switch
    {
        KnownHostsMarker.CertificateAuthority => $"{entry.Line} CA",
        KnownHostsMarker.Revoked => $"{entry.Line} REVOKED",
        _ => $"{entry.Line}",
    };

    private static string WriteCorpus(TempDirectory dir)
    {
        var edA = TestKeys.Ed25519A.KeyText;
        var edB = TestKeys.Ed25519B.KeyText;
        var edC = TestKeys.Ed25519C.KeyText;
        var rsaA = TestKeys.RsaA.KeyText;
        var rsaB = TestKeys.RsaB.KeyText;

        // Lines hashed by the real ssh-keygen, to mix its output with ours.
        var toHash = dir.File("to-hash");
        File.WriteAllText(toHash, $"sk-hashed-a.test,[sk-hashed-b.test]:2022 {edA}\n198.51.100.7 {rsaA}\n");
        SshKeygen.RunChecked("-H", "-f", toHash);
        var sshKeygenHashed = File.ReadAllText(toHash).TrimEnd('\n');

        string[] lines =
        [
            "# differential corpus",
            $"example.com,www.example.com {edA}",
            $"EXAMPLE.net {rsaA} upper-case pattern",
            $"192.0.2.1 {edB}",
            $"[example.com]:2222 {TestKeys.Ecdsa256.KeyText}",
            $"[192.0.2.1]:22 {edA}",
            $"2001:db8::7,[2001:db8::7]:2222 {edC}",
            $"*.wild.test,!bad.wild.test {edA}",
            $"!bad.wild2.test,*.wild2.test {edA}",
            $"??.short.test {edC}",
            $"*.deep.* {rsaB}",
            $"[*.ports.test]:2222 {edA}",
            $"[*.ports.test]:* {edB}",
            $"@cert-authority *.ca.test {edC}",
            $"@revoked example.com {rsaB}",
            $"@revoked * {TestKeys.Ecdsa384.KeyText}",
            $"{KnownHostsDatabase.HashHostPattern("hashed.test")} {edA}",
            $"{KnownHostsDatabase.HashHostPattern("[hashed.test]:2200")} {edB}",
            $"@revoked {KnownHostsDatabase.HashHostPattern("hashed.test")} {rsaA}",
            $"Example.COM {edC}",
            $"ex*ple.c?m {edB}",
            "",
            "host.only",
            $"@bogus example.com {edA}",
            $"|2|abc|def {edA}",
            sshKeygenHashed,
        ];
        var file = dir.File("known_hosts");
        File.WriteAllText(file, string.Join('\n', lines) + "\n");
        return file;
    }
}
