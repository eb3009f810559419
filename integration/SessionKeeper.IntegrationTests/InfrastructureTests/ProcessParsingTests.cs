using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

public sealed class ProcessParsingTests
{
    [Fact]
    public void Stat_is_parsed_after_the_last_parenthesis()
    {
        var stat = ProcFs.ParseStat(42, "42 (a) b (c)) T 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 0 0");

        Assert.Equal(new ProcStat(42, "a) b (c)", 'T', 7, 42, 123456), stat);
        Assert.True(stat!.Value.IsStopped);
    }

    [Fact]
    public void Own_process_reads_back()
    {
        var stat = ProcFs.TryReadStat(Environment.ProcessId);

        Assert.NotNull(stat);
        Assert.Contains(ProcFs.Descendants(stat.Value.ParentPid, ProcFs.Snapshot()), s => s.Pid == Environment.ProcessId);
    }

    [Theory]
    [InlineData("sshd: alice@notty", SshdProcessKind.Session, "alice")]
    [InlineData("sshd: root@pts/3", SshdProcessKind.Session, "root")]
    [InlineData("sshd: alice [priv]", SshdProcessKind.Monitor, "alice")]
    [InlineData("sshd: alice [net]", SshdProcessKind.PreAuth, "alice")]
    [InlineData("sshd: [accepted]", SshdProcessKind.PreAuth, null)]
    [InlineData("/usr/sbin/sshd -D -R", SshdProcessKind.Other, null)]
    public void Sshd_titles_are_classified(string title, SshdProcessKind kind, string? user)
    {
        Assert.Equal((kind, user), SshdConnectionProcess.Classify(title));
    }
}
