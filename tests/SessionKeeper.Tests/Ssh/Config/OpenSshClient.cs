using System.Diagnostics;

namespace SessionKeeper.Tests.Ssh.Config;

internal sealed record SshRunResult(int ExitCode, string StdOut, string StdErr);

/// <summary>
/// Runs the real OpenSSH client synchronously with a timeout: <c>ssh -G</c> (prints the resolved
/// configuration, no network) and a connection through <c>ProxyCommand=true</c> (no network either:
/// it stops at the banner exchange, after ssh has expanded and logged its identity files).
/// </summary>
internal static class OpenSshClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static string Executable => File.Exists("/usr/bin/ssh") ? "/usr/bin/ssh" : "ssh";

    /// <summary>The ssh the differential corpus and defaults were written against (Debian 12).</summary>
    public const string BuiltAgainst = "OpenSSH_9.2";

    private static readonly Lazy<string> Version = new(() =>
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-V");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start ssh");
        var text = process.StandardError.ReadToEnd().Trim();
        process.WaitForExit(Timeout);
        return text;
    });

    public static SshRunResult Run(string home, IEnumerable<string> args)
    {
        Assert.True(
            Version.Value.StartsWith(BuiltAgainst, StringComparison.Ordinal),
            $"the ssh differential tests were built against {BuiltAgainst}p1 (Debian 12), whose defaults and option handling they encode; this machine has {Version.Value}");
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["HOME"] = home;
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start ssh");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ssh {string.Join(' ', info.ArgumentList)} did not finish within {Timeout}");
        }

        if (!stdout.Wait(Timeout) || !stderr.Wait(Timeout))
        {
            throw new TimeoutException("ssh output was not closed");
        }

        return new SshRunResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary><c>ssh -G -F config [-o ...] [-l user] [-p port] host</c>.</summary>
    public static SshRunResult DumpConfig(string home, string configFile, SshGQuery query) =>
        Run(home, ["-G", "-F", configFile, .. query.CommandLine()]);

    /// <summary>
    /// <c>ssh -vvv -F config -o ProxyCommand=true ... host</c>: a connection attempt that never
    /// leaves the machine. ssh expands and logs its identity files after starting the proxy
    /// command and before the banner exchange, which then fails.
    /// </summary>
    public static SshRunResult ConnectThroughNothing(string home, string configFile, SshGQuery query) =>
        Run(home, ["-vvv", "-F", configFile, "-o", "ProxyCommand=true", .. query.CommandLine()]);

    /// <summary>True when ssh got as far as talking to the (absent) server.</summary>
    public static bool ReachedServer(SshRunResult result) =>
        result.StdErr.Contains("kex_exchange_identification", StringComparison.Ordinal);

    /// <summary>
    /// The identity and certificate files ssh really loads, expanded, from its debug log: one
    /// "identity file X" line per IdentityFile (plus X-cert when no CertificateFile is set) and one
    /// "certificate file X" line per CertificateFile.
    /// </summary>
    public static (List<string> Identities, List<string> Certificates) LoadedKeyFiles(SshRunResult result)
    {
        var identities = new List<string>();
        var certificates = new List<string>();
        foreach (var line in result.StdErr.Split('\n'))
        {
            if (TryField(line, "debug1: identity file ") is { } identity)
            {
                identities.Add(identity);
            }
            else if (TryField(line, "debug1: certificate file ") is { } certificate)
            {
                certificates.Add(certificate);
            }
        }

        return (identities, certificates);
    }

    private static string? TryField(string line, string prefix)
    {
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var typeAt = line.LastIndexOf(" type ", StringComparison.Ordinal);
        return typeAt > prefix.Length ? line[prefix.Length..typeAt] : null;
    }
}
