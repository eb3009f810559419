using System.Diagnostics;
using System.Globalization;

namespace SessionKeeper.IntegrationTests.Infrastructure;

public sealed partial class SshdFixture
{
    public static readonly TimeSpan OpenSshTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// `ssh -F /dev/null -i key -p port -o UserKnownHostsFile=... -o StrictHostKeyChecking=yes
    /// -o BatchMode=yes -o IdentitiesOnly=yes [-tt|-T] user@127.0.0.1 remoteCommand`.
    /// </summary>
    public ProcessStartInfo CreateOpenSshStartInfo(string remoteCommand, bool tty = false) =>
        CreateOpenSshStartInfo(remoteCommand, new OpenSshOptions { Tty = tty });

    public ProcessStartInfo CreateOpenSshStartInfo(string remoteCommand, OpenSshOptions options)
    {
        var port = options.Port ?? Port;
        var args = new List<string> { "-F", "/dev/null" };
        foreach (var option in options.ExtraOptions)
        {
            args.AddRange(["-o", option]);
        }

        args.AddRange(
        [
            "-i", UserKeyPath,
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-o", $"UserKnownHostsFile={options.KnownHostsPath ?? KnownHostsPath}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",
            "-o", "ConnectTimeout=10",
        ]);
        if (port != Port)
        {
            args.AddRange(["-o", $"HostKeyAlias=[{Host}]:{Port}"]);
        }

        args.Add(options.Tty ? "-tt" : "-T");
        args.Add($"{options.User ?? UserName}@{Host}");
        args.Add(remoteCommand);
        var psi = new ProcessStartInfo("ssh");
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return psi;
    }

    /// <summary>Starts the OpenSSH client in the background (see <see cref="OpenSshOptions"/>).</summary>
    public CliProcess StartOpenSsh(string remoteCommand, OpenSshOptions? options = null)
    {
        options ??= new OpenSshOptions();
        return CliProcess.Start(CreateOpenSshStartInfo(remoteCommand, options), options.KeepStdinOpen);
    }

    public Task<CliResult> RunOpenSshAsync(string remoteCommand, bool tty, CancellationToken ct) =>
        RunOpenSshAsync(remoteCommand, new OpenSshOptions { Tty = tty }, ct);

    /// <summary>Runs the OpenSSH client to completion (killed after <see cref="OpenSshTimeout"/>).</summary>
    public Task<CliResult> RunOpenSshAsync(string remoteCommand, OpenSshOptions options, CancellationToken ct) =>
        CliProcess.RunAsync(CreateOpenSshStartInfo(remoteCommand, options), OpenSshTimeout, ct);
}
