using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

public class KnownHostsAppendTests
{
    private static readonly TestKey Ed = TestKeys.Ed25519A;
    private static readonly TestKey Rsa = TestKeys.RsaA;

    [Fact]
    public void PlainAppendCreatesDirectoryAndFileAndReadsBack()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, ".ssh", "known_hosts");

        KnownHostsDatabase.Append(path, "Example.COM", 22, Ed.Type, Ed.Blob, hashed: false);
        KnownHostsDatabase.Append(path, "example.com", 2222, Rsa.Type, Rsa.Blob, hashed: false);

        Assert.Equal(
            $"example.com {Ed.KeyText}\n[example.com]:2222 {Rsa.KeyText}\n",
            File.ReadAllText(path));
        var db = KnownHostsDatabase.Load([path]);
        Assert.Empty(db.Warnings);
        Assert.Equal(HostKeyMatch.Trusted, db.Check("example.com", 22, Ed.Type, Ed.Blob).Match);
        Assert.Equal(HostKeyMatch.Trusted, db.Check("example.com", 2222, Rsa.Type, Rsa.Blob).Match);
        Assert.Equal(HostKeyMatch.Unknown, db.Check("example.com", 22, Rsa.Type, Rsa.Blob).Match);
        Assert.Equal(HostKeyMatch.Unknown, db.Check("example.com", 2222, Ed.Type, Ed.Blob).Match);
    }

    [Fact]
    public void HashedAppendReadsBackAndHidesTheName()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");

        KnownHostsDatabase.Append(path, "db.example.com", 22, Ed.Type, Ed.Blob, hashed: true);
        KnownHostsDatabase.Append(path, "db.example.com", 2222, Rsa.Type, Rsa.Blob, hashed: true);

        var text = File.ReadAllText(path);
        Assert.DoesNotContain("example", text);
        Assert.Equal(2, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var db = KnownHostsDatabase.Load([path]);
        Assert.All(db.Entries, e => Assert.True(e.IsHashed));
        Assert.Equal(HostKeyMatch.Trusted, db.Check("db.example.com", 22, Ed.Type, Ed.Blob).Match);
        Assert.Equal(HostKeyMatch.Trusted, db.Check("DB.example.com", 2222, Rsa.Type, Rsa.Blob).Match);
        Assert.Equal(HostKeyMatch.Unknown, db.Check("db.example.com", 2222, Ed.Type, Ed.Blob).Match);
        Assert.Equal(HostKeyMatch.Unknown, db.Check("example.com", 22, Ed.Type, Ed.Blob).Match);
    }

    [Fact]
    public void AppendedKeyForExistingHostMakesAnotherTypeKnown()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        KnownHostsDatabase.Append(path, "example.com", 22, Ed.Type, Ed.Blob, hashed: false);

        KnownHostsDatabase.Append(path, "example.com", 22, Rsa.Type, Rsa.Blob, hashed: true);

        var db = KnownHostsDatabase.Load([path]);
        Assert.Equal(["ssh-ed25519", "ssh-rsa"], db.KnownKeyTypesFor("example.com", 22));
    }

    [Fact]
    public void NewFileIsPrivateAndNewDirectoryIsPrivate()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDirectory();
        var sshDir = Path.Combine(dir.Path, "home", ".ssh");
        var path = Path.Combine(sshDir, "known_hosts");

        KnownHostsDatabase.Append(path, "example.com", 22, Ed.Type, Ed.Blob, hashed: true);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(sshDir));
    }

    [Fact]
    public void ExistingFileKeepsItsContentAndMode()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        File.WriteAllText(path, "# mine\n");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(path, mode);

        KnownHostsDatabase.Append(path, "example.com", 22, Ed.Type, Ed.Blob, hashed: false);

        Assert.Equal($"# mine\nexample.com {Ed.KeyText}\n", File.ReadAllText(path));
        Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void MissingFinalNewlineIsAddedBeforeAppending()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        File.WriteAllText(path, $"other.test {Rsa.KeyText}");

        KnownHostsDatabase.Append(path, "example.com", 22, Ed.Type, Ed.Blob, hashed: false);

        var db = KnownHostsDatabase.Load([path]);
        Assert.Empty(db.Warnings);
        Assert.Equal(["other.test", "example.com"], db.Entries.Select(e => e.HostPatterns));
    }

    [Fact]
    public void RsaSignatureAlgorithmIsWrittenAsSshRsa()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");

        KnownHostsDatabase.Append(path, "example.com", 22, "rsa-sha2-512", Rsa.Blob, hashed: false);

        Assert.Equal($"example.com ssh-rsa {Rsa.Base64}\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("a,b")]
    [InlineData("*.example.com")]
    [InlineData("host?")]
    [InlineData("!host")]
    [InlineData("@revoked")]
    [InlineData("#host")]
    [InlineData("|1|x|y")]
    [InlineData("line\nbreak")]
    public void HostsThatWouldCorruptTheFileAreRejected(string host)
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");

        Assert.Throws<ArgumentException>(() => KnownHostsDatabase.Append(path, host, 22, Ed.Type, Ed.Blob, hashed: false));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void KeyTypeMustMatchTheBlob()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");

        Assert.Throws<ArgumentException>(() => KnownHostsDatabase.Append(path, "h", 22, "ssh-rsa", Ed.Blob, hashed: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnownHostsDatabase.Append(path, "h", 0, Ed.Type, Ed.Blob, hashed: false));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void UnwritablePathThrowsWithThePath()
    {
        using var dir = new TempDirectory();
        var path = dir.File("known_hosts");
        Directory.CreateDirectory(path);

        var ex = Assert.Throws<KnownHostsException>(
            () => KnownHostsDatabase.Append(path, "example.com", 22, Ed.Type, Ed.Blob, hashed: false));

        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message);
    }
}
