using SessionKeeper.Ssh;
using SessionKeeper.Ssh.HostKeys;
using SessionKeeper.Testing;
using SessionKeeper.Tests.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>
/// The host-key algorithms offered, against what the real ssh (OpenSSH 9.2) decides for the same
/// known_hosts: its default list from `ssh -G`, and the order its order_hostkeyalgs() chooses from
/// the `ssh -vvv` log of a connection that gets as far as sending its KEXINIT to a fake server
/// (a ProxyCommand that prints a banner and hangs up once it has read 200 bytes, past ssh's banner
/// and into its KEXINIT, which ssh sends after that decision), never leaving the machine.
/// </summary>
public class AlgorithmOrderTests
{
    private const string CertificateSuffix = "-cert-v01@openssh.com";

    [Fact]
    public void The_default_list_is_the_one_ssh_offers()
    {
        using var dir = new TempDirectory();
        var config = Config(dir, "");
        var result = OpenSshClient.Run(dir.Path, ["-G", "-F", config, "web1"]);

        Assert.Equal(DefaultList(result), AlgorithmOrder.OpenSshHostKeyAlgorithms);
    }

    public static TheoryData<string> KnownHostsCases()
    {
        // Every set of known key types, alone; a seeded sample of them under a @cert-authority
        // line, and under a @revoked line (of a key the host does not have, and of one it has).
        var keys = new[] { "ed25519", "rsa", "ecdsa256", "ecdsa384" };
        var sets = Enumerable.Range(0, 1 << keys.Length).Select(mask => string.Join('+', keys.Where((_, i) => (mask & (1 << i)) != 0))).ToList();
        var random = TestSeed.Random(20261202);
        var cases = new List<string>(sets);
        cases.AddRange(sets.OrderBy(_ => random.Next()).Take(6).Select(set => Join(set, "ca")));
        cases.AddRange(sets.OrderBy(_ => random.Next()).Take(6).Select(set => Join(set, "revoked-other")));
        cases.AddRange(["rsa+ca", "rsa+revoked-other", "ed25519+rsa+revoked-other", "ca+rsa+revoked-other", "rsa+revoked-rsa", "ed25519+rsa+revoked-ed25519"]);
        var data = new TheoryData<string>();
        foreach (var lines in cases.Distinct(StringComparer.Ordinal))
        {
            data.Add(lines);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KnownHostsCases))]
    public void The_order_is_the_one_ssh_chooses_for_the_same_known_hosts(string lines)
    {
        using var dir = new TempDirectory();
        var knownHosts = dir.File("known_hosts");
        File.WriteAllText(knownHosts, KnownHostsText(lines));
        var config = Config(dir, knownHosts);

        var defaults = DefaultList(OpenSshClient.Run(dir.Path, ["-G", "-F", config, "web1"]));
        var log = OpenSshClient.Run(dir.Path, ["-vvv", "-F", config, "web1", "true"]).StdErr;
        var ssh = SshOrder(log, defaults);

        // What the connector hands AlgorithmOrder for this host (SshConnector.ConfigureAlgorithms).
        var database = KnownHostsDatabase.Load([knownHosts]);
        var authorities = database.CertificateAuthoritiesFor("web1", 22).Count > 0;
        var offer = database.EntriesFor("web1", 22).Any(e => e.Marker is KnownHostsMarker.CertificateAuthority or KnownHostsMarker.Revoked);
        var ours = AlgorithmOrder.HostKeyAlgorithmsFor(database.KnownKeyTypesFor("web1", 22), authorities, offer);

        // Without a CA or a revocation, certificates are left out: ssh would only downgrade one to
        // its plain key, so the rest of its order is what counts.
        Assert.Equal(offer ? ssh : [.. ssh.Where(a => !a.EndsWith(CertificateSuffix, StringComparison.Ordinal))], ours);
    }

    /// <summary>ssh's order from its debug log: the algorithms it prefers for this host, then the rest of its defaults, in their order.</summary>
    private static List<string> SshOrder(string log, IReadOnlyList<string> defaults)
    {
        var line = log.Split('\n').Select(l => l.TrimEnd('\r')).SingleOrDefault(l => l.StartsWith("debug3: order_hostkeyalgs: ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"ssh logged no order_hostkeyalgs decision:\n{log}");
        const string Prefer = "debug3: order_hostkeyalgs: prefer hostkeyalgs: ";
        if (!line.StartsWith(Prefer, StringComparison.Ordinal))
        {
            Assert.True(
                line.Contains("using HostkeyAlgorithms verbatim", StringComparison.Ordinal) || line.Contains("no algorithms matched; accept original", StringComparison.Ordinal),
                line);
            return [.. defaults];
        }

        var first = line[Prefer.Length..].Split(',');
        return [.. first, .. defaults.Where(a => !first.Contains(a))];
    }

    private static List<string> DefaultList(SshRunResult result)
    {
        Assert.True(result.ExitCode == 0, result.StdErr);
        var line = result.StdOut.Split('\n').Single(l => l.StartsWith("hostkeyalgorithms ", StringComparison.Ordinal));
        return [.. line["hostkeyalgorithms ".Length..].Trim().Split(',')];
    }

    private static string Config(TempDirectory dir, string knownHosts)
    {
        var path = dir.File("config");
        File.WriteAllText(path, $"""
            Host *
              UserKnownHostsFile {(knownHosts.Length == 0 ? "/dev/null" : knownHosts)}
              GlobalKnownHostsFile /dev/null
              ProxyCommand sh -c "printf 'SSH-2.0-OpenSSH_9.2\r\n'; exec head -c 200 >/dev/null"
              BatchMode yes

            """);
        return path;
    }

    private static string KnownHostsText(string lines)
    {
        var text = new System.Text.StringBuilder();
        foreach (var part in lines.Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            text.AppendLine(part switch
            {
                "ed25519" => $"web1 {TestKeys.Ed25519A.KeyText}",
                "rsa" => $"web1 {TestKeys.RsaA.KeyText}",
                "ecdsa256" => $"web1 {TestKeys.Ecdsa256.KeyText}",
                "ecdsa384" => $"web1 {TestKeys.Ecdsa384.KeyText}",
                "ca" => $"@cert-authority * {TestKeys.Ed25519C.KeyText}",
                "revoked-other" => $"@revoked * {TestKeys.RsaB.KeyText}",
                "revoked-rsa" => $"@revoked * {TestKeys.RsaA.KeyText}",
                "revoked-ed25519" => $"@revoked web1 {TestKeys.Ed25519A.KeyText}",
                _ => throw new ArgumentException(part),
            });
        }

        return text.ToString();
    }

    private static string Join(string set, string marker) => set.Length == 0 ? marker : $"{set}+{marker}";

    [Theory]
    [InlineData("rsa-sha2-512", "ssh-rsa")]
    [InlineData("rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa")]
    [InlineData("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")]
    public void Plain_key_type_of_an_algorithm(string algorithm, string keyType)
    {
        Assert.Equal(keyType, AlgorithmOrder.PlainKeyType(algorithm));
    }

    [Fact]
    public void Restrict_keeps_only_the_listed_names_in_their_order()
    {
        var algorithms = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3 };

        AlgorithmOrder.Restrict(algorithms, ["c", "x", "a"]);

        Assert.Equal(["c", "a"], algorithms.Keys);
    }
}
