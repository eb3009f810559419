using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>
/// Host-key verdicts, each also compared with OpenSSH's: <c>ssh-keygen -F</c> decides which lines
/// apply to the host, and ssh's rule over them decides (see <see cref="OpenSshMatch"/>).
/// </summary>
public class HostKeyCheckTests
{
    private static readonly TestKey Ed = TestKeys.Ed25519A;
    private static readonly TestKey OtherEd = TestKeys.Ed25519B;
    private static readonly TestKey Rsa = TestKeys.RsaA;
    private static readonly TestKey OtherRsa = TestKeys.RsaB;

    private static HostKeyVerdict Check(string text, string host, int port, TestKey key)
    {
        var verdict = KnownHostsDatabase.Parse(text, "/home/u/.ssh/known_hosts").Check(host, port, key.Type, key.Blob);
        Assert.Equal(OpenSshMatch(text, host, port, key), verdict.Match);
        return verdict;
    }

    /// <summary>The verdict's match, checked against OpenSSH's for the same text.</summary>
    private static HostKeyMatch Match(KnownHostsDatabase db, string text, string host, int port, TestKey key, string? algorithm = null)
    {
        var match = db.Check(host, port, algorithm ?? key.Type, key.Blob).Match;
        Assert.Equal(OpenSshMatch(text, host, port, key), match);
        return match;
    }

    /// <summary>
    /// The oracle. Which lines apply to the host is what the real <c>ssh-keygen -F</c> reports for
    /// the name ssh looks up (lower case; <c>[host]:port</c> for a port other than 22). Over those
    /// lines, ssh's rule (hostfile.c, check_hostkeys_by_key_or_type): a <c>@revoked</c> line with the
    /// key revokes it; else a plain line with the key trusts it; else a plain line with another key
    /// of the same sshkey type means the key changed (ECDSA of any curve is one type: real ssh,
    /// knowing a P-256 key and shown a P-384 one, says "REMOTE HOST IDENTIFICATION HAS CHANGED");
    /// else the key is unknown. <c>@cert-authority</c> lines say nothing about a plain key.
    /// </summary>
    private static HostKeyMatch OpenSshMatch(string text, string host, int port, TestKey key)
    {
        using var dir = new TempDirectory();
        var file = dir.File("known_hosts");
        File.WriteAllText(file, text);
        var name = port == 22 ? host.ToLowerInvariant() : $"[{host.ToLowerInvariant()}]:{port}";
        var lines = text.Split('\n');
        var applying = SshKeygenFindResult.Find(name, file).Select(found =>
        {
            var parts = found.Split(' ');
            var fields = lines[int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) - 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var marker = parts.Length > 1 ? parts[1] : "";
            return (Marker: marker, Type: fields[marker.Length == 0 ? 1 : 2], Key: fields[marker.Length == 0 ? 2 : 3]);
        }).ToList();
        static string SshkeyType(string type) => type.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) ? "ecdsa" : type;

        if (applying.Any(l => l.Marker == "REVOKED" && l.Key == key.Base64))
        {
            return HostKeyMatch.Revoked;
        }

        var plain = applying.Where(l => l.Marker.Length == 0).ToList();
        return plain.Any(l => l.Key == key.Base64) ? HostKeyMatch.Trusted
            : plain.Any(l => SshkeyType(l.Type) == SshkeyType(key.Type)) ? HostKeyMatch.Changed
            : HostKeyMatch.Unknown;
    }

    [Fact]
    public void ExactKeyIsTrustedAndDetailNamesTheLine()
    {
        var text = $"# header\nother.test {OtherEd.KeyText}\nexample.com {Ed.KeyText}\n";

        var verdict = Check(text, "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Trusted, verdict.Match);
        Assert.Equal(["ssh-ed25519"], verdict.KnownKeyTypes);
        Assert.Equal("/home/u/.ssh/known_hosts:3", verdict.Detail);
    }

    [Fact]
    public void HostNotInFileIsUnknown()
    {
        var verdict = Check($"other.test {Ed.KeyText}\n", "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Unknown, verdict.Match);
        Assert.Empty(verdict.KnownKeyTypes);
        Assert.Null(verdict.Detail);
    }

    [Fact]
    public void EmptyDatabaseIsUnknown()
    {
        var verdict = KnownHostsDatabase.Parse("").Check("example.com", 22, Ed.Type, Ed.Blob);

        Assert.Equal(HostKeyMatch.Unknown, Match(KnownHostsDatabase.Parse(""), "", "example.com", 22, Ed));
        Assert.Equal(HostKeyMatch.Unknown, verdict.Match);
        Assert.Empty(verdict.KnownKeyTypes);
    }

    [Fact]
    public void DifferentKeyOfSameTypeIsChangedWithOffendingLine()
    {
        var text = $"example.com {Rsa.KeyText}\n\nexample.com {OtherEd.KeyText}\n";

        var verdict = Check(text, "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Changed, verdict.Match);
        Assert.Equal(["ssh-rsa", "ssh-ed25519"], verdict.KnownKeyTypes);
        Assert.Equal("/home/u/.ssh/known_hosts:3", verdict.Detail);
    }

    [Fact]
    public void ChangedListsEveryOffendingLine()
    {
        var text = $"example.com {OtherEd.KeyText}\n*.com {TestKeys.Ed25519C.KeyText}\n";

        var verdict = Check(text, "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Changed, verdict.Match);
        Assert.Equal("/home/u/.ssh/known_hosts:1, /home/u/.ssh/known_hosts:2", verdict.Detail);
    }

    [Fact]
    public void KnownOnlyByOtherKeyTypesIsUnknownButListsThem()
    {
        var text = $"example.com {Rsa.KeyText}\nexample.com {TestKeys.Ecdsa256.KeyText}\n";

        var verdict = Check(text, "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Unknown, verdict.Match);
        Assert.Equal(["ssh-rsa", "ecdsa-sha2-nistp256"], verdict.KnownKeyTypes);
        Assert.Equal(
            "example.com is known by other key types: ssh-rsa in /home/u/.ssh/known_hosts:1, ecdsa-sha2-nistp256 in /home/u/.ssh/known_hosts:2",
            verdict.Detail);
    }

    [Fact]
    public void AnEcdsaKeyOfAnotherCurveIsAChangedKeyAsForSsh()
    {
        var text = $"example.com {TestKeys.Ecdsa256.KeyText}\n";

        Assert.Equal(HostKeyMatch.Changed, Check(text, "example.com", 22, TestKeys.Ecdsa384).Match);
        Assert.Equal(HostKeyMatch.Trusted, Check(text, "example.com", 22, TestKeys.Ecdsa256).Match);
    }

    [Fact]
    public void SeveralKeysPerHostEachTrusted()
    {
        var text = $"example.com,192.0.2.5 {Ed.KeyText}\nexample.com,192.0.2.5 {Rsa.KeyText}\n";
        var db = KnownHostsDatabase.Parse(text);

        foreach (var host in new[] { "example.com", "192.0.2.5" })
        {
            Assert.Equal(HostKeyMatch.Trusted, Match(db, text, host, 22, Ed));
            Assert.Equal(HostKeyMatch.Trusted, Match(db, text, host, 22, Rsa));
            Assert.Equal(HostKeyMatch.Changed, Match(db, text, host, 22, OtherEd));
            Assert.Equal(HostKeyMatch.Changed, Match(db, text, host, 22, OtherRsa));
            Assert.Equal(["ssh-ed25519", "ssh-rsa"], db.KnownKeyTypesFor(host, 22));
        }
    }

    [Fact]
    public void TrustedIfAnyOfSeveralSameTypeKeysMatches()
    {
        var text = $"example.com {OtherEd.KeyText}\nexample.com {Ed.KeyText}\n";

        Assert.Equal(HostKeyMatch.Trusted, Check(text, "example.com", 22, Ed).Match);
    }

    [Theory]
    [InlineData("rsa-sha2-256")]
    [InlineData("rsa-sha2-512")]
    [InlineData("ssh-rsa")]
    public void RsaSignatureAlgorithmNamesAreTreatedAsSshRsa(string algorithm)
    {
        var text = $"example.com {Rsa.KeyText}\n";
        var db = KnownHostsDatabase.Parse(text);

        Assert.Equal(HostKeyMatch.Trusted, Match(db, text, "example.com", 22, Rsa, algorithm));
        Assert.Equal(HostKeyMatch.Changed, Match(db, text, "example.com", 22, OtherRsa, algorithm));
    }

    [Fact]
    public void KeyTypeThatContradictsTheBlobIsRejected()
    {
        var db = KnownHostsDatabase.Parse($"example.com {Rsa.KeyText}\n");

        Assert.Throws<ArgumentException>(() => db.Check("example.com", 22, "ssh-rsa", Ed.Blob));
        Assert.Throws<ArgumentException>(() => db.Check("example.com", 22, "ssh-ed25519", [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => db.Check("", 22, Ed.Type, Ed.Blob));
        Assert.Throws<ArgumentOutOfRangeException>(() => db.Check("example.com", 0, Ed.Type, Ed.Blob));
    }

    [Fact]
    public void PortSelectsTheBracketedEntry()
    {
        var text = $"example.com {Ed.KeyText}\n[example.com]:2222 {OtherEd.KeyText}\n";
        var db = KnownHostsDatabase.Parse(text);

        Assert.Equal(HostKeyMatch.Trusted, Match(db, text, "example.com", 22, Ed));
        Assert.Equal(HostKeyMatch.Changed, Match(db, text, "example.com", 22, OtherEd));
        Assert.Equal(HostKeyMatch.Trusted, Match(db, text, "example.com", 2222, OtherEd));
        Assert.Equal(HostKeyMatch.Changed, Match(db, text, "example.com", 2222, Ed));
        Assert.Equal(HostKeyMatch.Unknown, Match(db, text, "example.com", 2200, Ed));
    }

    [Fact]
    public void RevokedKeyIsNeverTrusted()
    {
        var text = $"example.com {Ed.KeyText}\n@revoked * {Ed.KeyText}\n";

        var verdict = Check(text, "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Revoked, verdict.Match);
        Assert.Equal("/home/u/.ssh/known_hosts:2", verdict.Detail);
        Assert.Empty(verdict.KnownKeyTypes);
    }

    [Fact]
    public void RevokedKeyWithoutPlainEntryIsRevoked()
    {
        var verdict = Check($"@revoked example.com {Ed.KeyText}\n", "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Revoked, verdict.Match);
    }

    [Fact]
    public void RevocationOnlyAppliesToMatchingHosts()
    {
        var text = $"example.com {Ed.KeyText}\n@revoked other.test {Ed.KeyText}\n";

        Assert.Equal(HostKeyMatch.Trusted, Check(text, "example.com", 22, Ed).Match);
        Assert.Equal(HostKeyMatch.Revoked, Check(text, "other.test", 22, Ed).Match);
    }

    [Fact]
    public void RevocationOfAnotherKeyDoesNotAffectThisOne()
    {
        var text = $"example.com {Ed.KeyText}\nexample.com {Rsa.KeyText}\n@revoked * {Rsa.KeyText}\n";

        var verdict = Check(text, "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Trusted, verdict.Match);
        Assert.Equal(["ssh-ed25519"], verdict.KnownKeyTypes);
        Assert.Equal(HostKeyMatch.Revoked, Check(text, "example.com", 22, Rsa).Match);
    }

    [Fact]
    public void NewKeyWhenOldOneIsRevokedIsStillChanged()
    {
        var text = $"example.com {OtherEd.KeyText}\n@revoked * {OtherEd.KeyText}\n";

        var verdict = Check(text, "example.com", 22, Ed);

        Assert.Equal(HostKeyMatch.Changed, verdict.Match);
        Assert.Empty(verdict.KnownKeyTypes);
    }

    [Fact]
    public void CertificateAuthorityLinesDoNotMakeAHostKnown()
    {
        var text = $"@cert-authority *.example.com {Ed.KeyText}\n";
        var db = KnownHostsDatabase.Parse(text, "kh");

        var verdict = db.Check("db.example.com", 22, Ed.Type, Ed.Blob);

        Assert.Equal(HostKeyMatch.Unknown, Match(db, text, "db.example.com", 22, Ed));
        Assert.Empty(verdict.KnownKeyTypes);
        Assert.Empty(db.KnownKeyTypesFor("db.example.com", 22));
        var ca = Assert.Single(db.CertificateAuthoritiesFor("db.example.com", 22));
        Assert.Equal(KnownHostsMarker.CertificateAuthority, ca.Marker);
        Assert.Equal("ssh-ed25519", ca.KeyType);
        Assert.Equal(Ed.Blob, ca.KeyBlob.ToArray());
        Assert.Equal("kh", ca.Source);
        Assert.Equal(1, ca.Line);
        Assert.Empty(db.CertificateAuthoritiesFor("db.example.org", 22));
    }

    [Fact]
    public void KnownKeyTypesForIsInFileOrderWithoutDuplicatesOrRevokedKeys()
    {
        var text = string.Join('\n',
            $"*.example.com {Rsa.KeyText}",
            $"db.example.com {TestKeys.Ecdsa256.KeyText}",
            $"@cert-authority * {TestKeys.Ecdsa384.KeyText}",
            $"db.example.com {Ed.KeyText}",
            $"db.example.com {OtherRsa.KeyText}",
            $"db.example.com {OtherEd.KeyText}",
            $"@revoked * {TestKeys.Ecdsa256.KeyText}",
            $"[db.example.com]:2222 {TestKeys.Ecdsa384.KeyText}",
            "");
        var db = KnownHostsDatabase.Parse(text);

        Assert.Equal(["ssh-rsa", "ssh-ed25519"], db.KnownKeyTypesFor("db.example.com", 22));
        Assert.Equal(["ecdsa-sha2-nistp384"], db.KnownKeyTypesFor("db.example.com", 2222));
        Assert.Equal(["ssh-rsa"], db.KnownKeyTypesFor("web.example.com", 22));
        Assert.Empty(db.KnownKeyTypesFor("example.org", 22));
    }

    [Fact]
    public void NegatedPatternKeepsKeyFromApplying()
    {
        var text = $"*.example.com,!bastion.example.com {Ed.KeyText}\n";

        Assert.Equal(HostKeyMatch.Trusted, Check(text, "db.example.com", 22, Ed).Match);
        Assert.Equal(HostKeyMatch.Unknown, Check(text, "bastion.example.com", 22, Ed).Match);
    }

    [Fact]
    public void HostNameCaseDoesNotMatter()
    {
        // The hashed line is hashed by the real ssh-keygen, not by the code under test.
        using var dir = new TempDirectory();
        var toHash = dir.File("to-hash");
        File.WriteAllText(toHash, $"hashed.example.com {Ed.KeyText}\n");
        SshKeygen.RunChecked("-q", "-H", "-f", toHash);
        var text = $"DB.Example.com {Ed.KeyText}\n{File.ReadAllText(toHash)}";
        Assert.StartsWith("|1|", text.Split('\n')[1], StringComparison.Ordinal);

        Assert.Equal(HostKeyMatch.Trusted, Check(text, "db.EXAMPLE.com", 22, Ed).Match);
        Assert.Equal(HostKeyMatch.Trusted, Check(text, "Hashed.Example.COM", 22, Ed).Match);
    }

    [Fact]
    public void EntriesAcrossFilesAreCombinedAndNamedByFile()
    {
        using var dir = new TempDirectory();
        var user = dir.File("known_hosts");
        var global = dir.File("ssh_known_hosts");
        File.WriteAllText(user, $"other.test {Ed.KeyText}\n");
        File.WriteAllText(global, $"# global\nexample.com {OtherEd.KeyText}\nexample.com {Rsa.KeyText}\n");
        var db = KnownHostsDatabase.Load([user, global]);

        var changed = db.Check("example.com", 22, Ed.Type, Ed.Blob);
        var trusted = db.Check("example.com", 22, Rsa.Type, Rsa.Blob);

        Assert.Equal(HostKeyMatch.Changed, changed.Match);
        Assert.Equal($"{global}:2", changed.Detail);
        Assert.Equal(HostKeyMatch.Trusted, trusted.Match);
        Assert.Equal($"{global}:3", trusted.Detail);
        Assert.Equal([user, global], db.Sources);
    }
}
