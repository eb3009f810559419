using System.CommandLine;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// The ssh-like connection options every verb that reaches a host accepts. They are resolved with
/// ~/.ssh/config and /etc/ssh/ssh_config (or -F) as ssh resolves them: -o, -i, -J and
/// --known-hosts win over the files, -l and -p over the files but not over -o User=/Port=.
/// </summary>
internal sealed class SshOptions
{
    public Option<string?> LoginName { get; } = new("--login", "-l") { Description = "Remote user (user@host wins)." };

    public Option<int?> Port { get; } = new("--port", "-p") { Description = "Remote port (default: ssh_config, else 22)." };

    public Option<string[]> Identity { get; } = new("--identity", "-i") { Description = "Private key file, tried before ssh_config's IdentityFile; repeatable." };

    public Option<string?> KnownHosts { get; } = new("--known-hosts") { Description = "known_hosts file, as -o UserKnownHostsFile=FILE (default ~/.ssh/known_hosts)." };

    public Option<string?> ConnectTimeout { get; } = new("--connect-timeout") { Description = "Hard deadline for connecting to each host (default: ssh_config ConnectTimeout, else 15s)." };

    public Option<string?> ConfigFile { get; } = new("-F") { HelpName = "file", Description = "ssh_config file to read instead of ~/.ssh/config and /etc/ssh/ssh_config ('none' for none)." };

    public Option<string[]> SshOption { get; } = new("-o") { HelpName = "key=value", Description = "ssh_config option, as in ssh: -o Key=Value; repeatable, wins over the files." };

    public Option<string?> Jump { get; } = new("-J") { HelpName = "[user@]host[:port],...", Description = "Jump hosts, as ssh -J: [user@]host[:port][,...] ('none' ignores ProxyJump)." };

    public Option<bool> PasswordAuth { get; } = new("--password-auth") { Description = "Also try keyboard-interactive and password authentication, after every key (asks on the terminal)." };

    public void AddTo(Command command)
    {
        command.Options.Add(LoginName);
        command.Options.Add(Port);
        command.Options.Add(Identity);
        command.Options.Add(KnownHosts);
        command.Options.Add(ConnectTimeout);
        command.Options.Add(ConfigFile);
        command.Options.Add(SshOption);
        command.Options.Add(Jump);
        command.Options.Add(PasswordAuth);
    }

    /// <summary>The command line as ssh-like options, before any config file is read.</summary>
    public SshCommandLine CommandLine(ParseResult result, int? port = null) => new()
    {
        ConfigFile = result.GetValue(ConfigFile),
        Options = result.GetValue(SshOption) ?? [],
        LoginName = result.GetValue(LoginName),
        Port = result.GetValue(Port) ?? port,
        IdentityFiles = result.GetValue(Identity) ?? [],
        KnownHostsFile = result.GetValue(KnownHosts),
        ConnectTimeout = result.GetValue(ConnectTimeout) is { } t ? Durations.Parse(t, "--connect-timeout") : null,
        JumpHosts = result.GetValue(Jump),
        PasswordAuthentication = result.GetValue(PasswordAuth),
    };

    /// <summary>
    /// Resolves "[user@]host" with the command line and ssh_config into where and how to connect.
    /// <paramref name="port"/> (a port from an inventory, say) acts as -p when -p is not given.
    /// </summary>
    public SshTarget Resolve(ParseResult result, string destination, int? port = null) =>
        new SshTargetResolver(CommandLine(result, port)).Resolve(destination);
}
