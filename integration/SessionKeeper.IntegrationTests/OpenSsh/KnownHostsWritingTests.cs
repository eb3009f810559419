using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>A plain sshd and a lab, for the tests that record host keys and read ssh_config files.</summary>
public sealed class PlainSshdLab : IAsyncLifetime
{
    private SshdFixture? _sshd;

    public OpenSshLab Lab { get; } = new();

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd is not started.");

    public string Port => Sshd.Port.ToString(CultureInfo.InvariantCulture);

    public string Destination => $"{Sshd.UserName}@127.0.0.1";

    public async Task InitializeAsync() => _sshd = await SshdFixture.StartAsync();

    /// <summary>A new ssh_config whose Host alias "box" reaches this sshd with its key, host keys checked strictly; <paramref name="extra"/> is added to the block.</summary>
    public string WriteBoxConfig(string extra = "") => Lab.Write($"config-{Guid.NewGuid():N}", $"""
        Host box
          HostName 127.0.0.1
          Port {Port}
          User {Sshd.UserName}
          IdentityFile {Sshd.UserKeyPath}
          UserKnownHostsFile {Sshd.KnownHostsPath}
          GlobalKnownHostsFile /dev/null
          StrictHostKeyChecking yes
        {extra}
        """);

    /// <summary>What `ssh -o StrictHostKeyChecking=yes` says about this sshd with <paramref name="knownHosts"/>.</summary>
    public Task<CliResult> SshAsync(string knownHosts, params string[] options) =>
        OpenSshLab.SshAsync("/dev/null", ["-p", Port, "-i", Sshd.UserKeyPath, "-o", "IdentitiesOnly=yes", "-o", $"UserKnownHostsFile={knownHosts}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", .. options], Destination);

    public async Task DisposeAsync()
    {
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }

        Lab.Dispose();
    }
}

/// <summary>
/// StrictHostKeyChecking accept-new (and an explicit no) records unknown keys in the first
/// UserKnownHostsFile, hashed when HashKnownHosts says so, in a form OpenSSH itself accepts; a
/// changed key is refused and nothing written; without a terminal, the default (ask) records nothing.
/// </summary>
public sealed class KnownHostsWritingTests(PlainSshdLab lab) : IClassFixture<PlainSshdLab>
{
    private string[] Ps(string knownHosts, params string[] options) =>
        ["ps", "-F", "none", "-p", lab.Port, "-i", lab.Sshd.UserKeyPath, "--known-hosts", knownHosts, "-o", "GlobalKnownHostsFile=/dev/null", .. options, lab.Destination];

    [Theory(Timeout = 60_000)]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task Accept_new_writes_an_entry_ssh_then_accepts(string hashed)
    {
        var knownHosts = lab.Lab.PathOf($"kh-{Guid.NewGuid():N}");
        Assert.NotEqual(0, (await lab.SshAsync(knownHosts)).ExitCode); // unknown to ssh at first

        var first = await lab.Lab.Cli.RunAsync(Ps(knownHosts, "-o", "StrictHostKeyChecking=accept-new", "-o", $"HashKnownHosts={hashed}"));

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("permanently added", first.Stderr, StringComparison.Ordinal);
        var line = Assert.Single(File.ReadAllLines(knownHosts));
        Assert.StartsWith(hashed == "yes" ? "|1|" : $"[127.0.0.1]:{lab.Port} ", line, StringComparison.Ordinal);
        Assert.Contains(lab.Sshd.HostKeys, k => line.EndsWith(" " + k.Algorithm + " " + Convert.ToBase64String(k.Blob), StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(knownHosts));

        var ssh = await lab.SshAsync(knownHosts);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());

        var again = await lab.Lab.Cli.RunAsync(Ps(knownHosts, "-o", "StrictHostKeyChecking=yes"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(line, Assert.Single(File.ReadAllLines(knownHosts)));
    }

    /// <summary>
    /// -q keeps the note to itself, as `ssh -q` does, and the key is recorded all the same; without
    /// -q (stderr a pipe here, as in a script) the note is said.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Quiet_records_a_new_key_without_saying_so()
    {
        var quietHosts = lab.Lab.PathOf($"kh-{Guid.NewGuid():N}");
        var saidHosts = lab.Lab.PathOf($"kh-{Guid.NewGuid():N}");

        var quiet = await lab.Lab.Cli.RunAsync(["-q", .. Ps(quietHosts, "-o", "StrictHostKeyChecking=accept-new")]);
        var said = await lab.Lab.Cli.RunAsync(Ps(saidHosts, "-o", "StrictHostKeyChecking=accept-new"));

        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Stderr);
        Assert.Single(File.ReadAllLines(quietHosts));
        Assert.True(said.ExitCode == 0, said.ToString());
        Assert.Contains("permanently added", said.Stderr, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(saidHosts));
    }

    [Fact(Timeout = 60_000)]
    public async Task Accept_new_records_under_the_HostKeyAlias_as_ssh_looks_it_up()
    {
        var knownHosts = lab.Lab.PathOf($"kh-{Guid.NewGuid():N}");

        var result = await lab.Lab.Cli.RunAsync(Ps(knownHosts, "-o", "StrictHostKeyChecking=accept-new", "-o", "HashKnownHosts=no", "-o", "HostKeyAlias=sk-box"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("sk-box ", Assert.Single(File.ReadAllLines(knownHosts)), StringComparison.Ordinal);
        Assert.Equal(0, (await lab.SshAsync(knownHosts, "-o", "HostKeyAlias=sk-box")).ExitCode);
        Assert.NotEqual(0, (await lab.SshAsync(knownHosts)).ExitCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Accept_new_refuses_a_changed_key_and_writes_nothing()
    {
        var stranger = await lab.Lab.KeyAsync($"stranger-{Guid.NewGuid():N}"[..17], "ed25519");
        var text = $"[127.0.0.1]:{lab.Port} {OpenSshLab.KeyText(stranger + ".pub")}\n";
        var knownHosts = lab.Lab.Write($"kh-{Guid.NewGuid():N}", text);

        var result = await lab.Lab.Cli.RunAsync(Ps(knownHosts, "-o", "StrictHostKeyChecking=accept-new"));

        Assert.Equal(254, result.ExitCode);
        Assert.Contains("HOST KEY CHANGED", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(knownHosts));
    }

    [Fact(Timeout = 60_000)]
    public async Task No_records_only_when_set_and_the_default_without_a_terminal_records_nothing()
    {
        var knownHosts = lab.Lab.PathOf($"kh-{Guid.NewGuid():N}");

        var byDefault = await lab.Lab.Cli.RunAsync(Ps(knownHosts));
        Assert.Equal(254, byDefault.ExitCode);
        Assert.Contains("no terminal to ask on", byDefault.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(knownHosts));

        var explicitNo = await lab.Lab.Cli.RunAsync(Ps(knownHosts, "-o", "StrictHostKeyChecking=no"));
        Assert.True(explicitNo.ExitCode == 0, explicitNo.ToString());
        Assert.Equal(0, (await lab.SshAsync(knownHosts)).ExitCode);
    }
}
