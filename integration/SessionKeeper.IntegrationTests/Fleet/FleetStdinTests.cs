using System.Security.Cryptography;
using SessionKeeper.IntegrationTests.Jobs;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// A run on several hosts does not read piped stdin unless asked: it is refused before anything is
/// journaled; with --stdin-to-all every host, OpenSSH and Dropbear alike, gets the same bytes.
/// </summary>
public sealed class FleetStdinTests(FleetHost host) : IClassFixture<FleetHost>
{
    [Fact(Timeout = 60_000)]
    public async Task Piped_stdin_is_refused_before_anything_is_journaled_or_started()
    {
        await using var lab = host.NewLab("stdin-refused");
        var targets = lab.Add(TargetKind.Good, 2);
        await using var cli = lab.Start(lab.RunArguments("cat", [.. FleetLab.Fast], FleetLab.HostList(targets)), keepStdin: true);
        await cli.WriteStdinAsync("for nobody\n"u8.ToArray());
        cli.CloseStdin();
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 251, result.ToString());
        Assert.Contains("--stdin-to-all", CliAssert.SingleErrorLine(result), StringComparison.Ordinal);
        Assert.Empty(await lab.JournalAsync());
        Assert.All(targets, t => Assert.False(Directory.Exists(t.JobDir(lab.JobId(t)))));
    }

    [Fact(Timeout = 90_000)]
    public async Task Stdin_to_all_gives_every_host_the_same_bytes_on_openssh_and_dropbear()
    {
        Prerequisite.Require(host.Dropbear is not null, "needs Dropbear (dropbear-bin) and root");
        await using var lab = host.NewLab("stdin-all");
        var targets = new[] { lab.Add(TargetKind.Dropbear), lab.Add(TargetKind.Good), lab.Add(TargetKind.Good) };
        var input = RandomNumberGenerator.GetBytes((3 << 20) + 7);
        await using var cli = lab.Start(lab.RunArguments("sha256sum", ["--stdin-to-all", "--json", .. FleetLab.Fast], FleetLab.HostList(targets)), keepStdin: true);
        await cli.WriteStdinAsync(input);
        cli.CloseStdin();
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        var digest = Convert.ToHexStringLower(SHA256.HashData(input));
        foreach (var target in targets)
        {
            var dir = target.JobDir(lab.JobId(target));
            Assert.Equal($"{digest}  -\n", File.ReadAllText(Path.Combine(dir, "out")));
            Assert.Equal(input.Length, new FileInfo(Path.Combine(dir, "in")).Length);
        }

        // The local copy of our stdin is gone with the run.
        Assert.False(Directory.Exists(Path.Combine(lab.StateDir, "stdin")) && Directory.EnumerateFiles(Path.Combine(lab.StateDir, "stdin")).Any());
    }
}
