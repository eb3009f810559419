using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// A journal.db that is not a journal (random bytes; or a real journal's header followed by
/// garbage) makes every verb that needs it exit 248 with one clear line, and stays byte-identical.
/// </summary>
public sealed class CorruptJournalTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_corrupt_journal_is_refused_with_one_line_and_left_byte_identical(bool keepHeader)
    {
        var seed = Environment.GetEnvironmentVariable("SK_CORRUPT_SEED") is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"seed {seed} (SK_CORRUPT_SEED={seed})");
        var workstation = host.NewWorkstation("corrupt");
        var garbage = new byte[16384];
        TestSeed.Random(seed).NextBytes(garbage);
        if (keepHeader)
        {
            // A real journal's first page (SQLite header and schema), then random pages.
            Assert.Equal(0, (await workstation.RunAsync(["jobs"])).ExitCode);
            var real = await File.ReadAllBytesAsync(workstation.JournalPath);
            real.AsSpan(0, 100).CopyTo(garbage);
            File.Delete(workstation.JournalPath + "-wal");
            File.Delete(workstation.JournalPath + "-shm");
        }

        await File.WriteAllBytesAsync(workstation.JournalPath, garbage);
        var before = SupervisionHost.Sha256(garbage);

        foreach (string[] args in (string[][])[["jobs"], ["jobs", "--json"], ["resume"], ["attach", "abc"], ["daemon"]])
        {
            var result = await workstation.RunAsync(args, timeout: TimeSpan.FromSeconds(30));
            output.WriteLine($"{string.Join(' ', args)}: exit {result.ExitCode}, stderr: {result.Stderr.TrimEnd()}");
            Assert.True(result.ExitCode == 248, $"{string.Join(' ', args)}: {result}");
            Assert.Equal("", result.StdoutText);
            var line = Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
            Assert.StartsWith($"sessionkeeper: the journal {workstation.JournalPath} is unreadable", line, StringComparison.Ordinal);
            Assert.Contains("left untouched", line, StringComparison.Ordinal);
            Assert.Equal(before, SupervisionHost.Sha256(await File.ReadAllBytesAsync(workstation.JournalPath)));
        }

        Assert.Equal(["journal.db"], Directory.EnumerateFileSystemEntries(workstation.StateDir).Select(Path.GetFileName));
    }
}
