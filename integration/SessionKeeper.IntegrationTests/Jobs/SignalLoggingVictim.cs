using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// Another process of the test's user, leading a session of its own (pid = pgid = sid), that
/// traps every catchable signal and logs each one's name to a file: a stray signal that a process
/// would survive (INT, TERM, HUP, USR1...) still shows. It carries a job cookie of its own in its
/// environment, so a forged cookie file can name it too.
/// </summary>
public sealed class SignalLoggingVictim : IAsyncDisposable
{
    private const string Script = """
        open(my $log, '>>', $ARGV[0]) or die "log: $!";
        $log->autoflush(1);
        for my $s (keys %SIG) {
            next if $s =~ /^(KILL|STOP|ZERO|__WARN__|__DIE__)$/;
            $SIG{$s} = sub { print $log "$_[0]\n" };
        }
        open(my $ready, '>', $ARGV[1]) or die "ready: $!";
        close $ready;
        sleep 1000 while 1;
        """;

    private readonly CliProcess _process;

    private SignalLoggingVictim(CliProcess process, string log, long startTime, string cookie)
    {
        _process = process;
        LogPath = log;
        StartTime = startTime;
        Cookie = cookie;
    }

    public int Pid => _process.Pid;

    public long StartTime { get; }

    public string Cookie { get; }

    public string LogPath { get; }

    /// <summary>Every signal it received, one name a line; empty when it got none.</summary>
    public string Log => File.ReadAllText(LogPath);

    public static async Task<SignalLoggingVictim> StartAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var log = Path.Combine(directory, "signals");
        var ready = Path.Combine(directory, "ready");
        File.WriteAllText(log, "");
        var cookie = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var psi = new ProcessStartInfo("setsid");
        psi.ArgumentList.Add("perl");
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add(Script);
        psi.ArgumentList.Add(log);
        psi.ArgumentList.Add(ready);
        psi.Environment["SESSIONKEEPER_JOB_COOKIE"] = cookie;
        var process = CliProcess.Start(psi);
        await Poll.UntilAsync(() => File.Exists(ready), TimeSpan.FromSeconds(30), "the victim to set its signal handlers");
        var stat = Assert.NotNull(ProcFs.TryReadStat(process.Pid));
        Assert.Equal(process.Pid, stat.ProcessGroup);
        Assert.True(ProcFs.EnvironmentContains(process.Pid, "SESSIONKEEPER_JOB_COOKIE=" + cookie), "the victim does not carry its cookie");
        return new SignalLoggingVictim(process, log, stat.StartTime, cookie);
    }

    /// <summary>No signal logged, not killed, not stopped, and still the same process.</summary>
    public void AssertUntouched()
    {
        Assert.Equal("", Log);
        var now = Assert.NotNull(ProcFs.TryReadStat(Pid));
        Assert.Equal(StartTime, now.StartTime);
        Assert.False(now.IsZombie || now.IsStopped, $"the victim was signalled: state {now.State}");
        Assert.False(_process.HasExited, "the victim was killed");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
