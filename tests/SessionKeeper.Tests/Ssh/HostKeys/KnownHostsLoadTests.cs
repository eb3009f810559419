using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

public class KnownHostsLoadTests
{
    private static readonly TestKey Ed = TestKeys.Ed25519A;

    [Fact]
    public void MissingFilesAreEmpty()
    {
        using var dir = new TempDirectory();

        var db = KnownHostsDatabase.Load([dir.File("absent"), Path.Combine(dir.Path, "no-such-dir", "known_hosts")]);

        Assert.Empty(db.Entries);
        Assert.Empty(db.Warnings);
        Assert.Equal(HostKeyMatch.Unknown, db.Check("example.com", 22, Ed.Type, Ed.Blob).Match);
    }

    [Fact]
    public void NoPathsGiveAnEmptyDatabase()
    {
        var db = KnownHostsDatabase.Load([]);

        Assert.Empty(db.Entries);
        Assert.Empty(db.Sources);
    }

    [Fact]
    public void ExistingAndMissingFilesMix()
    {
        using var dir = new TempDirectory();
        var present = dir.File("known_hosts");
        File.WriteAllText(present, $"example.com {Ed.KeyText}\n");

        var db = KnownHostsDatabase.Load([dir.File("missing"), present]);

        Assert.Equal(HostKeyMatch.Trusted, db.Check("example.com", 22, Ed.Type, Ed.Blob).Match);
        Assert.Equal(present, Assert.Single(db.Entries).Source);
    }

    [Fact]
    public void UnreadableFileThrowsWithThePath()
    {
        using var dir = new TempDirectory();
        // A directory where a file is expected cannot be read, even by root.
        var notAFile = dir.File("known_hosts");
        Directory.CreateDirectory(notAFile);

        var ex = Assert.Throws<KnownHostsException>(() => KnownHostsDatabase.Load([notAFile]));

        Assert.Equal(notAFile, ex.FilePath);
        Assert.Contains(notAFile, ex.Message);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void EmptyPathIsRejected()
    {
        Assert.Throws<ArgumentException>(() => KnownHostsDatabase.Load([""]));
    }
}
