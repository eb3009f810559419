using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>The drops the stdin proofs put a live upload through, shared by the JIT and native tests.</summary>
public static class LinkDrops
{
    /// <summary>The five drops of the 200 MiB proofs, in order.</summary>
    public static readonly string[] FiveDrops = ["proxy reset", "sshd SIGKILL", "proxy black hole", "proxy reset", "sshd SIGKILL"];

    /// <summary>
    /// Puts a live upload of <paramref name="size"/> bytes through <paramref name="drops"/>, evenly
    /// spread over the spool's growth; after each, waits until the upload went on past the cut (it
    /// reconnected and resumed where the spool stood).
    /// </summary>
    public static async Task UploadThroughAsync(string[] drops, long size, string spool, FaultProxy proxy, CliProcess cli, SshdFixture sshd)
    {
        var victims = new HashSet<int>();
        for (var i = 0; i < drops.Length; i++)
        {
            var at = size * (i + 1) / (drops.Length + 1);
            await Poll.UntilAsync(() => SpoolLength(spool) >= at || cli.HasExited, TimeSpan.FromSeconds(90), $"{at} bytes in the spool");
            Assert.False(cli.HasExited, cli.StderrText);
            var cutAt = SpoolLength(spool);
            await DropAsync(drops[i], proxy, cli, sshd, victims);
            await Poll.UntilAsync(() => SpoolLength(spool) > cutAt + (1 << 20) || cli.HasExited, TimeSpan.FromSeconds(60), $"the upload to resume after the {drops[i]}");
        }
    }

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
                // Only the stream's heartbeats say "lost" within the deadline: after an earlier drop
                // the spool may grow again (the upload is back) before the stream has reconnected,
                // and a black hole then would meet a handshake rather than a stream.
                await Poll.UntilAsync(() => CliText.StreamIsBack(cli.StderrText) || cli.HasExited, TimeSpan.FromSeconds(60), "the stream to be back before the black hole");
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
