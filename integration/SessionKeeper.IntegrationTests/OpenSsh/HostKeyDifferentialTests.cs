using System.Diagnostics;
using System.Globalization;
using System.Text;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// Host keys, differential: for every known_hosts file of <see cref="HostKeyCorpus"/>, `sessionkeeper
/// ps` (default StrictHostKeyChecking, no terminal) accepts exactly when
/// `ssh -o StrictHostKeyChecking=yes -o BatchMode=yes` does, against the same sshd; a refusal exits
/// 254, and sshd's log shows that no authentication request followed it.
/// </summary>
[LongRunning(115)]
public sealed class HostKeyDifferentialTests(HostKeyLab lab, ITestOutputHelper output) : IClassFixture<HostKeyLab>
{
    private static readonly string[] AuthenticationSigns = ["userauth-request", "Accepted ", "Failed ", "Postponed", "authenticating user"];

    // Hang guards only: each case runs the system ssh and our CLI, one after the other.
    [Fact(Timeout = 300_000)]
    public Task With_a_valid_host_certificate() => RunAsync(HostCertificateKind.Valid);

    [Fact(Timeout = 120_000)]
    public Task With_an_expired_host_certificate() => RunAsync(HostCertificateKind.Expired);

    [Fact(Timeout = 120_000)]
    public Task With_a_host_certificate_for_another_name() => RunAsync(HostCertificateKind.WrongPrincipal);

    private async Task RunAsync(HostCertificateKind kind)
    {
        await lab.PresentAsync(kind);
        var material = new HostKeyMaterial(
            OpenSshLab.KeyText(lab.Sshd.HostKeys[0].PublicKeyPath),
            OpenSshLab.KeyText(lab.Sshd.HostKeys[1].PublicKeyPath),
            OpenSshLab.KeyText(lab.Ca + ".pub"),
            OpenSshLab.KeyText(lab.OtherCa + ".pub"),
            OpenSshLab.KeyText(lab.Stranger),
            OpenSshLab.KeyText(lab.Ecdsa),
            lab.Sshd.Port);
        var problems = new List<string>();
        var table = new StringBuilder($"{"case",-48} expected  ssh     ours    ours-ms\n");
        foreach (var c in HostKeyCorpus.Cases.Where(c => c.Certificate == kind))
        {
            var text = c.Lines(material) + "\n";
            var forSsh = await KnownHostsAsync($"ssh-{Guid.NewGuid():N}", text, c.Hash);
            var forUs = await KnownHostsAsync($"ours-{Guid.NewGuid():N}", text, c.Hash);
            var ssh = await SshAcceptsAsync(forSsh, c.Alias);
            var clock = Stopwatch.StartNew();
            var (ours, said, problem) = await WeAcceptAsync(forUs, c.Alias);
            table.Append(CultureInfo.InvariantCulture, $"{c.Name,-48} {Word(c.Accept),-9} {Word(ssh),-7} {Word(ours),-7} {clock.ElapsedMilliseconds,6}\n");
            if (ssh != c.Accept)
            {
                problems.Add($"{c.Name}: OpenSSH {Word(ssh)}s, the corpus expects {Word(c.Accept)}");
            }

            if (ours != ssh)
            {
                problems.Add($"{c.Name}: OpenSSH {Word(ssh)}s, we {Word(ours)}: {said}");
            }

            if (problem is not null)
            {
                problems.Add($"{c.Name}: {problem}");
            }
        }

        output.WriteLine(table.ToString());
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private async Task<string> KnownHostsAsync(string name, string text, bool hash)
    {
        var path = lab.Lab.Write(name, text);
        if (hash)
        {
            await OpenSshLab.RunAsync("ssh-keygen", ["-q", "-H", "-f", path]);
            File.Delete(path + ".old");
        }

        return path;
    }

    private async Task<bool> SshAcceptsAsync(string knownHosts, string? alias)
    {
        List<string> options =
        [
            "-p", lab.Sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", lab.Sshd.UserKeyPath, "-o", "IdentitiesOnly=yes",
            "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
        ];
        if (alias is not null)
        {
            options.AddRange(["-o", $"HostKeyAlias={alias}"]);
        }

        var result = await OpenSshLab.SshAsync("/dev/null", options, $"{lab.Sshd.UserName}@127.0.0.1");
        if (result.ExitCode == 0)
        {
            return true;
        }

        Assert.True(result.ExitCode == 255 && result.Stderr.Contains("Host key verification failed", StringComparison.Ordinal), $"ssh failed otherwise: {result}");
        return false;
    }

    /// <summary>Our decision, what we said, and what is wrong with how we refused, if anything.</summary>
    private async Task<(bool Accepted, string Said, string? Problem)> WeAcceptAsync(string knownHosts, string? alias)
    {
        List<string> args =
        [
            "ps", "-F", "none", "-p", lab.Sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", lab.Sshd.UserKeyPath,
            "--known-hosts", knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
        ];
        if (alias is not null)
        {
            args.AddRange(["-o", $"HostKeyAlias={alias}"]);
        }

        args.Add($"{lab.Sshd.UserName}@127.0.0.1");
        var logStart = lab.Sshd.ReadLog().Length;
        var result = await lab.Lab.Cli.RunAsync(args);
        if (result.ExitCode == 0)
        {
            return (true, result.Stderr.Trim(), null);
        }

        if (result.ExitCode != 254)
        {
            return (false, result.Stderr.Trim(), $"exit {result.ExitCode}, not 254: {result.Stderr.Trim()}");
        }

        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 1 || !lines[0].StartsWith("sessionkeeper: ", StringComparison.Ordinal))
        {
            return (false, result.Stderr, $"the refusal is not one clear line: {result.Stderr}");
        }

        // sshd logs the end of the connection from its own process, a moment later.
        var log = await Poll.ObjectAsync(
            () => lab.Sshd.ReadLog()[logStart..] is var slice && (slice.Contains("Connection closed", StringComparison.Ordinal)
                || slice.Contains("Disconnected", StringComparison.Ordinal) || slice.Contains("Connection reset", StringComparison.Ordinal)) ? slice : null,
            TimeSpan.FromSeconds(10),
            "sshd to log the end of the refused connection");
        var sign = AuthenticationSigns.FirstOrDefault(s => log.Contains(s, StringComparison.Ordinal));
        return (false, lines[0], sign is null ? null : $"after our refusal sshd logged \"{sign}\": an authentication attempt");
    }

    private static string Word(bool accept) => accept ? "accept" : "refuse";
}
