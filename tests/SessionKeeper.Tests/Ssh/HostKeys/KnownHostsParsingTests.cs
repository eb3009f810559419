using System.Buffers.Binary;
using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

public class KnownHostsParsingTests
{
    private static readonly TestKey Ed = TestKeys.Ed25519A;
    private static readonly TestKey Rsa = TestKeys.RsaA;

    [Fact]
    public void BlankLinesAndCommentsAreIgnoredSilently()
    {
        var db = KnownHostsDatabase.Parse($"\n   \n# comment\n\t# indented comment\nexample.com {Ed.KeyText}\n\n");

        var entry = Assert.Single(db.Entries);
        Assert.Equal(5, entry.Line);
        Assert.Empty(db.Warnings);
    }

    [Fact]
    public void EntryFieldsAreParsed()
    {
        var db = KnownHostsDatabase.Parse($"  a.test,b.test \t {Ed.KeyText}   my laptop key  \n", "file");

        var entry = Assert.Single(db.Entries);
        Assert.Equal(KnownHostsMarker.None, entry.Marker);
        Assert.Equal("a.test,b.test", entry.HostPatterns);
        Assert.False(entry.IsHashed);
        Assert.Equal("ssh-ed25519", entry.KeyType);
        Assert.Equal(Ed.Blob, entry.KeyBlob.ToArray());
        Assert.Equal("my laptop key", entry.Comment);
        Assert.Equal("file", entry.Source);
        Assert.Equal(1, entry.Line);
        Assert.Equal("file:1", entry.Location);
        Assert.Equal(HostKeyFingerprint.Sha256(Ed.Blob), entry.Fingerprint);
    }

    [Fact]
    public void EntryWithoutCommentHasNullComment()
    {
        var entry = Assert.Single(KnownHostsDatabase.Parse($"a.test {Ed.KeyText}").Entries);

        Assert.Null(entry.Comment);
    }

    [Fact]
    public void MarkersAreRecognised()
    {
        var text = $"@cert-authority *.test {Ed.KeyText}\n@revoked   * {Rsa.KeyText}\n";
        var db = KnownHostsDatabase.Parse(text);

        Assert.Equal(
            [KnownHostsMarker.CertificateAuthority, KnownHostsMarker.Revoked],
            db.Entries.Select(e => e.Marker));
        Assert.Equal(["*.test", "*"], db.Entries.Select(e => e.HostPatterns));
        Assert.Empty(db.Warnings);
    }

    [Fact]
    public void WindowsLineEndingsAreAccepted()
    {
        var db = KnownHostsDatabase.Parse($"a.test {Ed.KeyText}\r\nb.test {Rsa.KeyText} comment\r\n");

        Assert.Equal(["a.test", "b.test"], db.Entries.Select(e => e.HostPatterns));
        Assert.Equal("comment", db.Entries[1].Comment);
        Assert.Equal(HostKeyMatch.Trusted, db.Check("a.test", 22, Ed.Type, Ed.Blob).Match);
    }

    [Fact]
    public void KeyTypeAliasOnTheLineIsStoredAsTheBlobType()
    {
        var entry = Assert.Single(KnownHostsDatabase.Parse($"a.test rsa-sha2-512 {Rsa.Base64}\n").Entries);

        Assert.Equal("ssh-rsa", entry.KeyType);
    }

    [Theory]
    [InlineData("host.only", "missing key type")]
    [InlineData("host.only   ", "missing key type")]
    [InlineData("host.only # comment", "missing key type")]
    [InlineData("host.only ssh-ed25519", "missing key data")]
    [InlineData("host.only ssh-ed25519   # comment", "missing key data")]
    [InlineData("host.only ssh-ed25519 !!!notbase64!!!", "not valid base64")]
    [InlineData("host.only ssh-ed25519 AAAA", "not an SSH public key")]
    [InlineData("host.only 2048 35 123456789", "protocol 1")]
    [InlineData("host.only x AAAAC3NzaC1lZDI1NTE5", "invalid key type")]
    [InlineData("@revoked", "marker is not followed")]
    [InlineData("@revoked ", "missing host patterns")]
    [InlineData("@bogus host.test ssh-ed25519 AAAA", "unknown marker")]
    [InlineData("@REVOKED host.test ssh-ed25519 AAAA", "unknown marker")]
    [InlineData("@revoked @revoked host.test ssh-ed25519 AAAA", "more than one marker")]
    [InlineData("@cert-authority @revoked host.test ssh-ed25519 AAAA", "more than one marker")]
    [InlineData("|2|abc|def ssh-ed25519 AAAA", "unsupported format")]
    [InlineData("|1|c2FsdA==|def ssh-ed25519 AAAA", "salt is not 20")]
    [InlineData("|1|c2FsdA== ssh-ed25519 AAAA", "no hash after the salt")]
    [InlineData("|1||def ssh-ed25519 AAAA", "invalid length")]
    public void MalformedLinesAreSkippedWithAWarning(string line, string reason)
    {
        var text = $"good.test {Ed.KeyText}\n{line}\nlater.test {Rsa.KeyText}\n";

        var db = KnownHostsDatabase.Parse(text, "/etc/ssh/ssh_known_hosts");

        Assert.Equal(["good.test", "later.test"], db.Entries.Select(e => e.HostPatterns));
        var warning = Assert.Single(db.Warnings);
        Assert.Equal("/etc/ssh/ssh_known_hosts", warning.Source);
        Assert.Equal(2, warning.Line);
        Assert.Contains(reason, warning.Message);
        Assert.StartsWith("/etc/ssh/ssh_known_hosts:2: ", warning.ToString());
    }

    [Fact]
    public void KeyTypeThatDoesNotMatchTheKeyDataIsSkipped()
    {
        var db = KnownHostsDatabase.Parse($"a.test ssh-rsa {Ed.Base64}\nb.test ecdsa-sha2-nistp384 {TestKeys.Ecdsa256.Base64}\n");

        Assert.Empty(db.Entries);
        Assert.Equal(2, db.Warnings.Count);
        Assert.Contains("does not match", db.Warnings[0].Message);
        Assert.Equal(HostKeyMatch.Unknown, db.Check("a.test", 22, Ed.Type, Ed.Blob).Match);
    }

    [Fact]
    public void TruncatedKeyDataIsSkipped()
    {
        var truncated = Convert.ToBase64String(Ed.Blob.AsSpan(0, 20));

        var db = KnownHostsDatabase.Parse($"a.test ssh-ed25519 {truncated}\n");

        Assert.Empty(db.Entries);
        Assert.Single(db.Warnings);
    }

    [Fact]
    public void KeyBlobsWithBrokenStructureAreSkipped()
    {
        static string Blob(params byte[][] fields)
        {
            var blob = new List<byte>();
            foreach (var field in fields)
            {
                var length = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
                blob.AddRange([.. length, .. field]);
            }

            return Convert.ToBase64String([.. blob]);
        }

        static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);

        string[] lines =
        [
            $"a.test ssh-ed25519 {Blob(Ascii("ssh-ed25519"), new byte[32], [1])}",
            $"b.test ssh-ed25519 {Blob(Ascii("ssh-ed25519"), new byte[31])}",
            $"c.test ssh-rsa {Blob(Ascii("ssh-rsa"), [1, 0, 1])}",
            $"d.test ecdsa-sha2-nistp256 {Blob(Ascii("ecdsa-sha2-nistp256"), Ascii("nistp384"), [4, 1, 2])}",
            $"e.test ssh-ed25519 {Convert.ToBase64String([0, 0, 0, 99, 1, 2])}",
            $"ok.test ssh-ed25519 {Blob(Ascii("ssh-ed25519"), new byte[32])}",
            $"ok.test ssh-rsa {Blob(Ascii("ssh-rsa"), [1, 0, 1], [0, 0xc5, 0x11])}",
            $"ok.test future-key@example.org {Blob(Ascii("future-key@example.org"), [1])}",
        ];

        var db = KnownHostsDatabase.Parse(string.Join('\n', lines));

        Assert.Equal([1, 2, 3, 4, 5], db.Warnings.Select(w => w.Line));
        Assert.Equal(["ssh-ed25519", "ssh-rsa", "future-key@example.org"], db.Entries.Select(e => e.KeyType));
    }

    [Fact]
    public void MarkerFollowedByTabIsRecognisedOnlyWhenNoSpaceFollows()
    {
        // OpenSSH's check_markers() ends the marker at the first space of the line, or failing
        // that the first tab, so "@revoked<TAB>host key" only works in a line without spaces.
        var withSpaces = KnownHostsDatabase.Parse($"@revoked\thost.test {Ed.KeyText}\n");
        var tabsOnly = KnownHostsDatabase.Parse($"@revoked\thost.test\t{Ed.Type}\t{Ed.Base64}\n");

        Assert.Empty(withSpaces.Entries);
        Assert.Contains("unknown marker", Assert.Single(withSpaces.Warnings).Message);
        Assert.Equal(KnownHostsMarker.Revoked, Assert.Single(tabsOnly.Entries).Marker);
    }

    [Fact]
    public void HostPatternTooLongForSshIsSkipped()
    {
        var longName = new string('a', 1023);
        var justFits = new string('b', 1022);

        var db = KnownHostsDatabase.Parse($"{longName},x.test {Ed.KeyText}\n{justFits} {Ed.KeyText}\n");

        Assert.Equal([justFits], db.Entries.Select(e => e.HostPatterns));
        Assert.Equal(1, Assert.Single(db.Warnings).Line);
        Assert.Single(db.EntriesFor(justFits, 22));
    }

    [Fact]
    public void WarningsKeepFileAndLineAcrossSeveralFiles()
    {
        using var dir = new TempDirectory();
        var a = dir.File("a");
        var b = dir.File("b");
        File.WriteAllText(a, $"bad line\nok.test {Ed.KeyText}\n");
        File.WriteAllText(b, $"# c\n\nok2.test {Ed.KeyText}\n@nope x y z\n");

        var db = KnownHostsDatabase.Load([a, b]);

        Assert.Equal([$"{a}:1", $"{b}:4"], db.Warnings.Select(w => w.Location));
        Assert.Equal([$"{a}:2", $"{b}:3"], db.Entries.Select(e => e.Location));
    }
}
