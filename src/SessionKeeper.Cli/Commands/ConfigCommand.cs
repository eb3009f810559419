using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `config HOST`: the settings that will be used to reach HOST, printed as `ssh -G HOST` prints
/// them (the keywords SessionKeeper honours), then, as # comments, the resolved jump hosts and the
/// dead-connection deadline. Settings SessionKeeper refuses are reported on stderr, exit 251.
/// </summary>
internal static class ConfigCommand
{
    public static Command Create(SshOptions ssh)
    {
        var host = CommonArguments.Host();
        var command = new Command("config", "Print the resolved ssh settings for a host, like ssh -G.") { host };
        ssh.AddTo(command);
        command.SetAction(result =>
        {
            var destination = result.GetValue(host)!;
            var resolver = new SshTargetResolver(ssh.CommandLine(result));
            var config = resolver.ResolveConfig(destination);
            Console.Out.Write(config.ToSshGStyle());
            if (config.UnsupportedSettings.Count > 0)
            {
                Console.Error.WriteLine($"sessionkeeper: {string.Join(", ", config.UnsupportedSettings)}: not supported by SessionKeeper, which will refuse to connect to {destination} while it is in effect.");
                return ExitCodes.InvalidInput;
            }

            SshTarget target;
            try
            {
                target = resolver.Resolve(destination);
            }
            catch (SessionKeeperException ex) when (ex.Kind == FailureKind.InvalidInput)
            {
                Console.Error.WriteLine($"sessionkeeper: {ex.Message}");
                return ExitCodes.InvalidInput;
            }

            for (var i = 0; i < target.JumpHosts.Count; i++)
            {
                var hop = target.JumpHosts[i];
                var alias = hop.HostKeyAlias is null ? "" : $" hostkeyalias {hop.HostKeyAlias}";
                Console.Out.WriteLine($"# jump host {i + 1} of {target.JumpHosts.Count}: {hop.Label}{alias} stricthostkeychecking {Word(hop)}");
            }

            if (target.DeadConnectionAfter is { } dead)
            {
                Console.Out.WriteLine($"# dead connection after {dead.TotalSeconds:0.#}s without a heartbeat (serveraliveinterval x serveralivecountmax; --dead-after wins)");
            }

            return 0;
        });
        return command;
    }

    private static string Word(SshTarget hop) => hop.StrictHostKeyChecking switch
    {
        Ssh.Config.StrictHostKeyCheckingMode.Yes => "yes",
        Ssh.Config.StrictHostKeyCheckingMode.No => "no",
        Ssh.Config.StrictHostKeyCheckingMode.AcceptNew => "accept-new",
        _ => "ask",
    };
}
