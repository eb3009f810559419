using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>The drops the stdin proofs put a live upload through, shared by the JIT and native tests.</summary>
public static class LinkDrops
{
    /// <summary>One drop of the links through <paramref name="proxy"/>; a black hole lasts until the CLI noticed it.</summary>
    public static async Task DropAsync(string drop, FaultProxy proxy, CliProcess cli, SshdFixture sshd, HashSet<int> victims)
    {
        switch (drop)
        {
            case "proxy reset":
                proxy.ResetAll();
                break;
            case "sshd SIGKILL":
                // Every session through the proxy: the upload's and the stream's.
                foreach (var session in sshd.SessionProcesses().Where(p => !victims.Contains(p.Pid)))
                {
                    victims.Add(session.Pid);
                    SshdFixture.Signal(session.Pid, PosixSignals.SIGKILL);
                }

                break;
            default:
                var lost = CliText.LostLines(cli.StderrText);
                proxy.BlackHole();
                await Poll.UntilAsync(() => CliText.LostLines(cli.StderrText) > lost || cli.HasExited, TimeSpan.FromSeconds(30), "the black hole to be noticed");
                proxy.ResetAll();
                proxy.Resume();
                break;
        }
    }

    /// <summary>The length of a job's stdin spool, 0 before it exists.</summary>
    public static long SpoolLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
