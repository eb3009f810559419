using System.Text;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Outcome of a finished child process (our CLI, ssh, ssh-keygen...).</summary>
/// <param name="ExitCode">Exit status; 128+N when killed by signal N.</param>
/// <param name="Stdout">Raw stdout bytes.</param>
/// <param name="Stderr">Stderr decoded as UTF-8.</param>
public sealed record CliResult(int ExitCode, byte[] Stdout, string Stderr)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    /// <summary>Throws with stdout/stderr in the message unless the exit code is 0.</summary>
    public CliResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{what} failed with exit code {ExitCode}.\nstdout: {StdoutText}\nstderr: {Stderr}");
        }

        return this;
    }

    public override string ToString() => $"exit {ExitCode}\nstdout: {StdoutText}\nstderr: {Stderr}";
}
