using System.Diagnostics;

namespace SessionKeeper.Tests.Ssh.HostKeys;

internal sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs the real OpenSSH ssh-keygen, synchronously and with a timeout.</summary>
internal static class SshKeygen
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string Executable =>
        File.Exists("/usr/bin/ssh-keygen") ? "/usr/bin/ssh-keygen" : "ssh-keygen";

    public static ProcessResult Run(params string[] args)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start ssh-keygen");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ssh-keygen {string.Join(' ', args)} did not finish within {Timeout}");
        }

        if (!stdout.Wait(Timeout) || !stderr.Wait(Timeout))
        {
            throw new TimeoutException("ssh-keygen output was not closed");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static ProcessResult RunChecked(params string[] args)
    {
        var result = Run(args);
        Assert.True(
            result.ExitCode == 0,
            $"ssh-keygen {string.Join(' ', args)} exited {result.ExitCode}: {result.StdErr}{result.StdOut}");
        return result;
    }

    /// <summary>Generates a throwaway key pair in <paramref name="directory"/> and reads its public half.</summary>
    public static TestKey Generate(string directory, string type, int? bits = null)
    {
        var file = Path.Combine(directory, $"key-{Guid.NewGuid():N}");
        var args = new List<string> { "-q", "-t", type, "-N", "", "-C", "test", "-f", file };
        if (bits is not null)
        {
            args.AddRange(["-b", bits.Value.ToString()]);
        }

        RunChecked([.. args]);
        return TestKey.FromPublicKeyLine(File.ReadAllText(file + ".pub"));
    }
}
