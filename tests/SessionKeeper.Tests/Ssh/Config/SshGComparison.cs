using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>
/// The differential check: one corpus entry, host and command line, resolved by the real OpenSSH
/// client and by <see cref="SshConfigResolver"/>. Compares every supported key of <c>ssh -G</c>
/// line for line, the identity and certificate files ssh really loads (expanded), and the verdict
/// when OpenSSH refuses the config.
/// </summary>
internal static class SshGComparison
{
    /// <summary>The keys <see cref="ResolvedHostConfig.ToSshGStyle"/> prints, compared with ssh -G.</summary>
    private static readonly HashSet<string> ComparedKeys =
    [
        "host", "user", "hostname", "port", "batchmode", "hashknownhosts", "identitiesonly", "stricthostkeychecking",
        "serveralivecountmax", "serveraliveinterval", "hostkeyalias", "kexalgorithms", "identityfile", "certificatefile",
        "globalknownhostsfile", "userknownhostsfile", "connecttimeout", "proxyjump", "proxycommand",
    ];

    public static void AssertAgrees(CorpusEntry entry, string host, CommandLineVariant variant)
    {
        var query = new SshGQuery(host, variant.Overrides, variant.User, variant.Port);
        using var sandbox = new ConfigSandbox();
        foreach (var file in entry.Files)
        {
            sandbox.Write(file.Path, file.Content, file.Mode);
        }

        var configFile = Path.Combine(sandbox.Home, entry.MainFile);
        var ssh = OpenSshClient.DumpConfig(sandbox.Home, configFile, query);
        ResolvedHostConfig? ours = null;
        var error = Record.Exception(() =>
            ours = SshConfigResolver.Create(configFile, variant.Overrides, sandbox.Environment).Resolve(host, variant.User, variant.Port));

        if (entry.SshRefuses is { } refuses)
        {
            Assert.True(refuses == (ssh.ExitCode != 0), $"corpus expectation is stale: ssh -G exited {ssh.ExitCode}: {ssh.StdErr}");
        }

        if (ssh.ExitCode != 0)
        {
            Assert.True(error is SshConfigException,
                $"ssh -G refused the config ({ssh.StdErr.Trim()}) but the resolver gave {error?.ToString() ?? ours!.ToSshGStyle()}");
            return;
        }

        var connect = OpenSshClient.ConnectThroughNothing(sandbox.Home, configFile, query);
        if (error is not null)
        {
            // ssh -G prints IdentityFile and CertificateFile unexpanded; ssh itself expands them
            // when connecting and gives up there. The resolver refuses at once.
            Assert.True(error is SshConfigException, $"unexpected exception: {error}");
            Assert.False(OpenSshClient.ReachedServer(connect),
                $"ssh accepted the config and connected, but the resolver threw: {error}");
            return;
        }

        var expected = Supported(ssh.StdOut, ours!);
        var actual = ours!.ToSshGStyle().TrimEnd('\n').Split('\n');
        Assert.Equal(expected, actual);

        Assert.True(OpenSshClient.ReachedServer(connect), $"ssh refused to connect:\n{connect.StdErr}");
        var (identities, certificates) = OpenSshClient.LoadedKeyFiles(connect);
        List<string> expectedIdentities = ours.CertificateFiles.Count > 0
            ? [.. ours.IdentityFiles]
            : [.. ours.IdentityFiles.SelectMany(f => new[] { f, f + "-cert" })];
        Assert.Equal(expectedIdentities, identities);
        Assert.Equal(ours.CertificateFiles, certificates);
    }

    /// <summary>
    /// The lines of ssh -G output for the supported keys, in ssh's order. kexalgorithms is always
    /// printed by ssh; when the config does not set it, it must be OpenSSH's default list, and is
    /// then left out (the resolver reports an unset KexAlgorithms as empty).
    /// </summary>
    private static List<string> Supported(string sshOutput, ResolvedHostConfig ours)
    {
        var lines = sshOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => ComparedKeys.Contains(l.Split(' ')[0]))
            .ToList();
        if (ours.KexAlgorithms.Count == 0)
        {
            var kex = Assert.Single(lines, l => l.StartsWith("kexalgorithms ", StringComparison.Ordinal));
            Assert.Equal("kexalgorithms " + string.Join(',', OpenSshDefaults.KexAlgorithms), kex);
            lines.Remove(kex);
        }

        return lines;
    }
}
