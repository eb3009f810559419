using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// A scratch directory under /tmp for the OpenSSH interoperability tests: keys, CAs and
/// certificates made by the real ssh-keygen, known_hosts and ssh_config files, and our CLI with a
/// local state of its own and none of the caller's agent or askpass settings.
/// </summary>
public sealed class OpenSshLab : IDisposable
{
    public static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    public OpenSshLab()
    {
        Dir = Path.Combine("/tmp", "sk-openssh-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
        Modes.Set(Dir, Modes.Dir0755);
        Directory.CreateDirectory(StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var name in (string[])["SSH_AUTH_SOCK", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"])
        {
            Cli.BaseEnvironment[name] = null;
        }

        Cli.BaseEnvironment["SESSIONKEEPER_STATE_DIR"] = StateDir;
    }

    public string Dir { get; }

    public string StateDir => Path.Combine(Dir, "local-state");

    public CliRunner Cli { get; } = CliRunner.ForSessionKeeper();

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Writes <paramref name="content"/> to a file in the lab (mode 0644) and returns its path.</summary>
    public string Write(string name, string content)
    {
        var path = PathOf(name);
        File.WriteAllText(path, content);
        Modes.Set(path, Modes.File0644);
        return path;
    }

    /// <summary>ssh-keygen -t TYPE [-b BITS] -N PASSPHRASE; returns the private key path (public: + ".pub").</summary>
    public async Task<string> KeyAsync(string name, string type, int? bits = null, string passphrase = "")
    {
        var path = PathOf(name);
        File.Delete(path);
        File.Delete(path + ".pub");
        List<string> args = ["-q", "-t", type, "-N", passphrase, "-C", "sk-lab " + name, "-f", path];
        if (bits is { } b)
        {
            args.AddRange(["-b", b.ToString(CultureInfo.InvariantCulture)]);
        }

        await RunAsync("ssh-keygen", args);
        return path;
    }

    /// <summary>
    /// ssh-keygen -s CA [-h] -I ID -n PRINCIPALS -V VALIDITY KEY.pub; returns the certificate path
    /// (KEY-cert.pub), or <paramref name="output"/> after copying it there.
    /// </summary>
    public async Task<string> CertifyAsync(string caKey, string publicKey, bool host, string principals, string validity, string? output = null)
    {
        List<string> args = ["-q", "-s", caKey, "-I", "sk-lab-" + Path.GetFileName(publicKey)];
        if (host)
        {
            args.Add("-h");
        }

        args.AddRange(["-n", principals, "-V", validity, publicKey]);
        await RunAsync("ssh-keygen", args);
        var certificate = publicKey[..^".pub".Length] + "-cert.pub";
        if (output is null)
        {
            return certificate;
        }

        File.Copy(certificate, output, overwrite: true);
        return output;
    }

    /// <summary>"type base64" of a .pub file (a key or certificate).</summary>
    public static string KeyText(string publicKeyPath)
    {
        var fields = File.ReadAllText(publicKeyPath).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields[0] + " " + fields[1];
    }

    /// <summary>The SHA256:... fingerprint of a public key file, as ssh-keygen -l prints it.</summary>
    public static async Task<string> FingerprintAsync(string publicKeyPath) =>
        (await RunAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath])).StdoutText.Split(' ')[1];

    public static async Task<CliResult> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(program);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        return (await CliProcess.RunAsync(psi, ToolTimeout)).EnsureSuccess($"{program} {string.Join(' ', args)}");
    }

    /// <summary>
    /// The OpenSSH client, as the issue's oracle: <c>ssh -F CONFIG -o BatchMode=yes [options] DESTINATION COMMAND</c>,
    /// without the caller's agent or askpass unless <paramref name="env"/> sets them. Its exit code
    /// is returned as is (255 for its own failures).
    /// </summary>
    public static async Task<CliResult> SshAsync(
        string config, IEnumerable<string> options, string destination, string command = "true", IDictionary<string, string?>? env = null, bool batchMode = true)
    {
        var psi = new ProcessStartInfo("ssh");
        foreach (var arg in (string[])["-F", config, "-o", $"BatchMode={(batchMode ? "yes" : "no")}", .. options, "-T", destination, command])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var name in (string[])["SSH_AUTH_SOCK", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"])
        {
            psi.Environment.Remove(name);
        }

        foreach (var (name, value) in env ?? new Dictionary<string, string?>())
        {
            psi.Environment[name] = value;
        }

        return await CliProcess.RunAsync(psi, ToolTimeout);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp dir is not worth failing a test run for.
        }
    }
}
