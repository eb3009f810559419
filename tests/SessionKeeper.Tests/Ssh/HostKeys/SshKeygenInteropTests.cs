using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>Files written by the real ssh-keygen are read correctly, and files we write are read by it.</summary>
public class SshKeygenInteropTests
{
    private static readonly TestKey EdA = TestKeys.Ed25519A;
    private static readonly TestKey EdB = TestKeys.Ed25519B;
    private static readonly TestKey RsaA = TestKeys.RsaA;
    private static readonly TestKey RsaB = TestKeys.RsaB;

    [Fact]
    public void FileHashedBySshKeygenIsCheckedLikeThePlainOne()
    {
        using var dir = new TempDirectory();
        var file = dir.File("known_hosts");
        var plain = string.Join('\n',
            $"hashme.example.com,192.0.2.44 {EdA.KeyText}",
            $"[hashme.example.com]:2222 {RsaA.KeyText}",
            $"Mixed.Case.test {EdB.KeyText}",
            $"*.wild.test {EdA.KeyText}",
            $"@revoked revoked.test {RsaB.KeyText}",
            "");
        File.WriteAllText(file, plain);
        var before = KnownHostsDatabase.Load([file]);

        SshKeygen.RunChecked("-H", "-f", file);

        var hashedText = File.ReadAllText(file);
        Assert.DoesNotContain("hashme", hashedText);
        Assert.DoesNotContain("192.0.2.44", hashedText);
        var after = KnownHostsDatabase.Load([file]);
        Assert.Empty(after.Warnings);
        Assert.Equal([true, true, true, true, false, false], after.Entries.Select(e => e.IsHashed));

        (string Host, int Port, TestKey Key)[] probes =
        [
            ("hashme.example.com", 22, EdA),
            ("hashme.example.com", 22, EdB),
            ("hashme.example.com", 22, RsaA),
            ("HashMe.Example.com", 22, EdA),
            ("192.0.2.44", 22, EdA),
            ("hashme.example.com", 2222, RsaA),
            ("hashme.example.com", 2222, RsaB),
            ("hashme.example.com", 2222, EdA),
            ("hashme.example.com", 2200, RsaA),
            ("mixed.case.test", 22, EdB),
            ("MIXED.case.TEST", 22, EdA),
            ("x.wild.test", 22, EdA),
            ("revoked.test", 22, RsaB),
            ("example.com", 22, EdA),
        ];
        foreach (var (host, port, key) in probes)
        {
            var expected = before.Check(host, port, key.Type, key.Blob);
            var actual = after.Check(host, port, key.Type, key.Blob);
            Assert.True(expected.Match == actual.Match, $"{host}:{port} {key.Type}: plain {expected.Match}, hashed {actual.Match}");
            Assert.Equal(expected.KnownKeyTypes, actual.KnownKeyTypes);
        }

        Assert.Equal(HostKeyMatch.Trusted, after.Check("hashme.example.com", 22, EdA.Type, EdA.Blob).Match);
        Assert.Equal(HostKeyMatch.Changed, after.Check("hashme.example.com", 22, EdB.Type, EdB.Blob).Match);
        Assert.Equal(HostKeyMatch.Trusted, after.Check("hashme.example.com", 2222, RsaA.Type, RsaA.Blob).Match);
        Assert.Equal(HostKeyMatch.Revoked, after.Check("revoked.test", 22, RsaB.Type, RsaB.Blob).Match);
    }

    [Fact]
    public void HashHostPatternReproducesSshKeygenHashes()
    {
        using var dir = new TempDirectory();
        var file = dir.File("known_hosts");
        string[] names = ["alpha.example.com", "192.0.2.9", "[alpha.example.com]:2222", "upper.example.com"];
        File.WriteAllText(file, $"alpha.example.com,192.0.2.9 {EdA.KeyText}\n[alpha.example.com]:2222,UPPER.example.com {EdA.KeyText}\n");

        SshKeygen.RunChecked("-H", "-f", file);

        var fields = File.ReadAllLines(file).Select(line => line.Split(' ')[0]).ToArray();
        Assert.Equal(names.Length, fields.Length);
        for (var i = 0; i < names.Length; i++)
        {
            var salt = Convert.FromBase64String(fields[i].Split('|')[2]);
            Assert.Equal(fields[i], KnownHostsDatabase.HashHostPattern(names[i], salt));
        }
    }

    [Fact]
    public void FingerprintEqualsSshKeygenList()
    {
        using var dir = new TempDirectory();
        TestKey[] keys = [EdA, RsaA, TestKeys.Ecdsa256, TestKeys.Ecdsa384];
        foreach (var key in keys)
        {
            var pub = dir.File($"{Guid.NewGuid():N}.pub");
            File.WriteAllText(pub, $"{key.KeyText} comment\n");

            var output = SshKeygen.RunChecked("-l", "-E", "sha256", "-f", pub).StdOut;

            Assert.Equal(output.Split(' ')[1], HostKeyFingerprint.Sha256(key.Blob));
        }
    }

    [Fact]
    public void EntryFingerprintEqualsSshKeygenListOfKnownHostsFile()
    {
        using var dir = new TempDirectory();
        var file = dir.File("known_hosts");
        File.WriteAllText(file, $"a.test {EdA.KeyText}\n");

        var output = SshKeygen.RunChecked("-l", "-f", file).StdOut;

        var entry = Assert.Single(KnownHostsDatabase.Load([file]).Entries);
        Assert.Equal(output.Split(' ')[1], entry.Fingerprint);
    }

    [Theory]
    [InlineData("appended.example.com", 22, false)]
    [InlineData("appended.example.com", 22, true)]
    [InlineData("appended.example.com", 2222, false)]
    [InlineData("appended.example.com", 2222, true)]
    [InlineData("192.0.2.200", 22, true)]
    [InlineData("2001:db8::200", 2222, false)]
    [InlineData("Appended.Example.COM", 22, true)]
    public void AppendedLinesAreFoundBySshKeygen(string host, int port, bool hashed)
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, ".ssh", "known_hosts");
        KnownHostsDatabase.Append(file, "other.test", 22, EdB.Type, EdB.Blob, hashed);

        KnownHostsDatabase.Append(file, host, port, EdA.Type, EdA.Blob, hashed);
        KnownHostsDatabase.Append(file, host, port, RsaA.Type, RsaA.Blob, hashed);

        var name = KnownHostsDatabase.LookupName(host, port);
        var written = File.ReadAllLines(file);
        Assert.Equal(["2", "3"], SshKeygenFindResult.Find(name, file));
        Assert.Equal(written[1..], SshKeygenFindResult.FindLines(name, file));
        Assert.Empty(SshKeygenFindResult.Find(KnownHostsDatabase.LookupName("not-" + host, port), file));
        Assert.Equal(HostKeyMatch.Trusted, KnownHostsDatabase.Load([file]).Check(host, port, RsaA.Type, RsaA.Blob).Match);
    }

    [Fact]
    public void SshKeygenAcceptsTheWholeAppendedFile()
    {
        using var dir = new TempDirectory();
        var file = dir.File("known_hosts");
        KnownHostsDatabase.Append(file, "one.test", 22, EdA.Type, EdA.Blob, hashed: false);
        KnownHostsDatabase.Append(file, "two.test", 2022, RsaA.Type, RsaA.Blob, hashed: true);
        KnownHostsDatabase.Append(file, "three.test", 22, TestKeys.Ecdsa256.Type, TestKeys.Ecdsa256.Blob, hashed: false);

        // ssh-keygen -H refuses files with lines it considers invalid.
        SshKeygen.RunChecked("-H", "-f", file);

        var db = KnownHostsDatabase.Load([file]);
        Assert.All(db.Entries, e => Assert.True(e.IsHashed));
        Assert.Equal(HostKeyMatch.Trusted, db.Check("one.test", 22, EdA.Type, EdA.Blob).Match);
        Assert.Equal(HostKeyMatch.Trusted, db.Check("two.test", 2022, RsaA.Type, RsaA.Blob).Match);
        Assert.Equal(HostKeyMatch.Trusted, db.Check("three.test", 22, TestKeys.Ecdsa256.Type, TestKeys.Ecdsa256.Blob).Match);
    }
}
