using SessionKeeper.Core.Journal;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Journal;

public sealed class DurableFilesTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_real_directory_is_synced_without_error()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "journal.db"), "x");

        DurableFiles.SyncDirectory(_dir.Path);
    }

    [Fact]
    public void A_missing_directory_is_named_with_the_reason()
    {
        var missing = Path.Combine(_dir.Path, "gone");

        var error = Assert.Throws<IOException>(() => DurableFiles.SyncDirectory(missing));

        Assert.Equal($"cannot open the directory {missing} to make its entries durable: No such file or directory (errno 2)", error.Message);
    }

    [Fact]
    public void A_failing_fsync_is_named_with_the_reason()
    {
        // procfs directories have no fsync operation: the kernel answers EINVAL, a real failing fsync.
        var error = Assert.Throws<IOException>(() => DurableFiles.SyncDirectory("/proc/self"));

        Assert.Equal("cannot sync the directory /proc/self to make its entries durable: Invalid argument (errno 22)", error.Message);
    }

    [Fact]
    public void A_best_effort_sync_that_fails_is_one_warning()
    {
        var warnings = new List<string>();

        DurableFiles.TrySyncDirectory("/proc/self", warnings.Add);

        var warning = Assert.Single(warnings);
        Assert.StartsWith("cannot sync the directory /proc/self to make its entries durable: Invalid argument (errno 22); ", warning, StringComparison.Ordinal);
        Assert.EndsWith("may not survive a power cut.", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a/b/journal.db", "/a/b")]
    [InlineData("/a/b/", "/a")]
    [InlineData("/a", "/")]
    [InlineData("/", "/")]
    public void The_parent_is_the_directory_holding_the_name(string path, string parent) =>
        Assert.Equal(parent, DurableFiles.ParentOf(path));
}
