using System.CommandLine;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>The ssh-like connection options every verb that reaches a host accepts.</summary>
internal sealed class SshOptions
{
    public Option<string?> LoginName { get; } = new("--login", "-l") { Description = "Remote user (user@host wins)." };

    public Option<int?> Port { get; } = new("--port", "-p") { Description = "Remote port (default 22)." };

    public Option<string[]> Identity { get; } = new("--identity", "-i") { Description = "Private key file; repeatable." };

    public Option<string?> KnownHosts { get; } = new("--known-hosts") { Description = "known_hosts file (default ~/.ssh/known_hosts)." };

    public Option<string?> ConnectTimeout { get; } = new("--connect-timeout") { Description = "Hard deadline for connecting (default 15s)." };

    public void AddTo(Command command)
    {
        command.Options.Add(LoginName);
        command.Options.Add(Port);
        command.Options.Add(Identity);
        command.Options.Add(KnownHosts);
        command.Options.Add(ConnectTimeout);
    }

    public SshTarget Resolve(ParseResult result, string destination)
    {
        var (user, host) = SshTarget.SplitDestination(destination);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var identities = result.GetValue(Identity) is { Length: > 0 } given
            ? given
            : new[] { "id_ed25519", "id_ecdsa", "id_rsa" }.Select(n => Path.Combine(home, ".ssh", n)).Where(File.Exists).ToArray();
        var port = result.GetValue(Port) ?? 22;
        if (port is < 1 or > 65535)
        {
            throw new Core.Failures.SessionKeeperException(Core.Failures.FailureKind.InvalidInput, $"invalid port {port}.");
        }

        return new SshTarget
        {
            Host = host,
            Port = port,
            User = user ?? result.GetValue(LoginName) ?? Environment.UserName,
            IdentityFiles = identities,
            KnownHostsFiles = [result.GetValue(KnownHosts) ?? Path.Combine(home, ".ssh", "known_hosts")],
            ConnectTimeout = result.GetValue(ConnectTimeout) is { } t ? Durations.Parse(t, "--connect-timeout") : TimeSpan.FromSeconds(15),
        };
    }
}
